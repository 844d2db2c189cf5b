// SPDX-License-Identifier: GPL-2.0-or-later
// Compiled with -g -c by `make test-unit`: the DWARF the type checks of
// test_dwarf.c read (sizes, nested and anonymous members, bitfields,
// arrays, pointers, typedefs, enumerators). Layouts a kernel has, in small.
#include <stdbool.h>

struct list_head {
	struct list_head *next, *prev;
};

typedef struct {
	int counter;
} atomic_t;

enum rv_unit_state {
	RV_UNIT_IDLE = 0,
	RV_UNIT_BUSY = 5,
	RV_UNIT_NEG = -3,
};

struct rv_unit_inner {
	unsigned long a;
	unsigned short b;
};

struct rv_unit_thing {
	char name[32];
	int count;
	atomic_t *pending;
	struct list_head list;
	unsigned int flag1:1, mode:3, rest:28;
	union {
		long as_long;
		void *as_ptr;
	};
	struct {
		bool inside;
		enum rv_unit_state state;
	};
	struct rv_unit_inner inner;
	void (*handler)(int);
	struct rv_unit_inner arr[4];
	atomic_t refs;
};

typedef struct rv_unit_thing rv_unit_thing_t;

struct rv_unit_thing rv_unit_thing_instance;
rv_unit_thing_t *rv_unit_thing_ptr = &rv_unit_thing_instance;
enum rv_unit_state rv_unit_state_instance;
