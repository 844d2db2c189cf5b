// SPDX-License-Identifier: GPL-2.0-or-later
// DWARF type answers (lib/dwarf_types.c) from a small object compiled with
// -g (tests/unit/types.c), checked against the compiler's own offsetof and
// sizeof of the same declarations.
#include <stddef.h>
#include <stdio.h>

#include "dwarf_types.h"
#include "unit.h"

#include "types.c"

static void member(const struct rv_types *ts, const char *path, uint64_t offset,
		   uint64_t size, enum rv_kind kind)
{
	struct rv_member m;
	char name[96];
	snprintf(name, sizeof(name), "member %s", path);
	struct rv_error *err = rv_types_member(ts, "struct rv_unit_thing", path, &m);
	CHECK(!err, "%s found%s%s", name, err ? ": " : "", err ? err->msg : "");
	if (err) {
		rv_error_destroy(err);
		return;
	}
	CHECK_U64(name, offset, m.offset);
	CHECK_U64("size of it", size, m.size);
	CHECK(m.kind == kind, "kind of %s: %d (got %d)", path, kind, m.kind);
}

void test_dwarf(const char *object)
{
	struct rv_dwarf *dw = NULL;
	struct rv_error *err = rv_dwarf_open(object, &dw);
	CHECK(!err, "rv_dwarf_open(%s)%s%s", object, err ? ": " : "", err ? err->msg : "");
	if (err) {
		rv_error_destroy(err);
		return;
	}
	struct rv_types ts = { .files = &dw, .nfiles = 1 };
	uint64_t size;
	CHECK_OK("size of struct rv_unit_thing", rv_types_size(&ts, "struct rv_unit_thing", &size));
	CHECK_U64("sizeof(struct rv_unit_thing)", sizeof(struct rv_unit_thing), size);
	CHECK_OK("size through a typedef", rv_types_size(&ts, "rv_unit_thing_t", &size));
	CHECK_U64("sizeof(rv_unit_thing_t)", sizeof(rv_unit_thing_t), size);
	CHECK_OK("size of atomic_t", rv_types_size(&ts, "atomic_t", &size));
	CHECK_U64("sizeof(atomic_t)", sizeof(atomic_t), size);
	CHECK_OK("size of struct list_head", rv_types_size(&ts, "struct list_head", &size));
	CHECK_U64("sizeof(struct list_head)", 16, size);
	CHECK_ERR("no such type", RV_ERR_LOOKUP, rv_types_size(&ts, "struct rv_unit_none", &size));

	member(&ts, "name", offsetof(struct rv_unit_thing, name), 32, RV_KIND_ARRAY);
	member(&ts, "count", offsetof(struct rv_unit_thing, count), 4, RV_KIND_INT);
	member(&ts, "pending", offsetof(struct rv_unit_thing, pending), 8, RV_KIND_PTR);
	member(&ts, "list", offsetof(struct rv_unit_thing, list), 16, RV_KIND_STRUCT);
	member(&ts, "list.next", offsetof(struct rv_unit_thing, list.next), 8, RV_KIND_PTR);
	member(&ts, "list.prev", offsetof(struct rv_unit_thing, list.prev), 8, RV_KIND_PTR);
	member(&ts, "as_long", offsetof(struct rv_unit_thing, as_long), 8, RV_KIND_INT);
	member(&ts, "as_ptr", offsetof(struct rv_unit_thing, as_ptr), 8, RV_KIND_PTR);
	member(&ts, "inside", offsetof(struct rv_unit_thing, inside), 1, RV_KIND_BOOL);
	member(&ts, "state", offsetof(struct rv_unit_thing, state), 4, RV_KIND_ENUM);
	member(&ts, "inner.a", offsetof(struct rv_unit_thing, inner.a), 8, RV_KIND_INT);
	member(&ts, "inner.b", offsetof(struct rv_unit_thing, inner.b), 2, RV_KIND_INT);
	member(&ts, "handler", offsetof(struct rv_unit_thing, handler), 8, RV_KIND_PTR);
	member(&ts, "arr", offsetof(struct rv_unit_thing, arr), 4 * sizeof(struct rv_unit_inner),
	       RV_KIND_ARRAY);
	member(&ts, "refs", offsetof(struct rv_unit_thing, refs), 4, RV_KIND_STRUCT);
	member(&ts, "refs.counter", offsetof(struct rv_unit_thing, refs.counter), 4, RV_KIND_INT);

	struct rv_member m;
	CHECK_OK("array member", rv_types_member(&ts, "struct rv_unit_thing", "arr", &m));
	CHECK_U64("array elements", 4, m.nelem);
	CHECK_U64("array element size", sizeof(struct rv_unit_inner), m.target_size);
	CHECK(m.target_kind == RV_KIND_STRUCT, "array element kind struct");
	CHECK_OK("pointer member", rv_types_member(&ts, "struct rv_unit_thing", "pending", &m));
	CHECK_U64("pointee size (atomic_t)", 4, m.target_size);
	// bitfields: flag1 is bit 0, mode bits 1..3 of the same unsigned int
	CHECK_OK("bitfield flag1", rv_types_member(&ts, "struct rv_unit_thing", "flag1", &m));
	CHECK_U64("flag1 bit_size", 1, m.bit_size);
	uint64_t base = m.offset * 8 + m.bit_offset;
	CHECK_OK("bitfield mode", rv_types_member(&ts, "struct rv_unit_thing", "mode", &m));
	CHECK_U64("mode bit_size", 3, m.bit_size);
	CHECK_U64("mode starts after flag1", base + 1, m.offset * 8 + m.bit_offset);
	CHECK_OK("bitfield rest", rv_types_member(&ts, "struct rv_unit_thing", "rest", &m));
	CHECK_U64("rest bit_size", 28, m.bit_size);
	CHECK_ERR("no such member", RV_ERR_LOOKUP,
		  rv_types_member(&ts, "struct rv_unit_thing", "nope", &m));
	CHECK_ERR("no such nested member", RV_ERR_LOOKUP,
		  rv_types_member(&ts, "struct rv_unit_thing", "inner.nope", &m));
	CHECK_OK("member through a typedef", rv_types_member(&ts, "rv_unit_thing_t", "count", &m));
	CHECK_U64("typedef member offset", offsetof(struct rv_unit_thing, count), m.offset);

	int64_t v;
	CHECK_OK("enumerator RV_UNIT_BUSY", rv_types_enum(&ts, "RV_UNIT_BUSY", &v));
	CHECK_U64("RV_UNIT_BUSY", RV_UNIT_BUSY, v);
	CHECK_OK("enumerator RV_UNIT_IDLE", rv_types_enum(&ts, "RV_UNIT_IDLE", &v));
	CHECK_U64("RV_UNIT_IDLE", 0, v);
	CHECK_OK("negative enumerator", rv_types_enum(&ts, "RV_UNIT_NEG", &v));
	CHECK(v == -3, "RV_UNIT_NEG = -3 (got %" PRId64 ")", v);
	CHECK_ERR("no such enumerator", RV_ERR_LOOKUP, rv_types_enum(&ts, "RV_UNIT_NONE", &v));
	rv_dwarf_close(dw);

	err = rv_dwarf_open("/nonexistent/object.o", &dw);
	CHECK(err != NULL, "missing file refused");
	rv_error_destroy(err);
}
