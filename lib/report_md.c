// SPDX-License-Identifier: GPL-2.0-or-later
// Text report of the "md" facts section: the `r1conf` command.
//
//   MDDEV             NAME  LEVEL  PERSONALITY  DISKS  DEGRADED  ...
//   ffff8ed042a84000  md0       1  raid1            2         0  ...
//     R1CONF            FROZEN  SYNC_PENDING  PENDING  ...
//     RDEV              DEVICE  SLOT  DESC  PENDING  FLAGS
//
// Reads only the facts (see report.h).

#include <inttypes.h>
#include <string.h>

#include "facts.h"
#include "report.h"

// ---- cells ----

// An object's member as text: numbers as integers, strings as they are,
// "-" when absent.
static void cell(jv obj, const char *key, char *buf, size_t size)
{
	jv v = jv_get_kind(obj) == JV_KIND_OBJECT ?
		jv_object_get(jv_copy(obj), jv_string(key)) : jv_invalid();
	switch (jv_get_kind(v)) {
	case JV_KIND_NUMBER:
		snprintf(buf, size, "%.0f", jv_number_value(v));
		break;
	case JV_KIND_STRING:
		snprintf(buf, size, "%s", jv_string_value(v));
		break;
	case JV_KIND_TRUE:
		snprintf(buf, size, "yes");
		break;
	case JV_KIND_FALSE:
		snprintf(buf, size, "no");
		break;
	default:
		snprintf(buf, size, "-");
		break;
	}
	jv_free(v);
}

// A "0x..." address member as 16 hex digits without 0x (crash style).
static void addr_cell(jv obj, const char *key, char *buf, size_t size)
{
	const char *s = rv_jv_str(obj, key);
	if (s && !strncmp(s, "0x", 2))
		snprintf(buf, size, "%s", s + 2);
	else
		snprintf(buf, size, "%-16s", "-");
}

// A list of names joined by '|', dropping @p prefix; "-" if empty.
static void names_cell(jv obj, const char *key, const char *prefix, char *buf,
		       size_t size)
{
	jv list = jv_get_kind(obj) == JV_KIND_OBJECT ?
		jv_object_get(jv_copy(obj), jv_string(key)) : jv_invalid();
	size_t used = 0, plen = prefix ? strlen(prefix) : 0;
	buf[0] = '\0';
	if (jv_get_kind(list) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(list));
		for (int i = 0; i < n && used + 1 < size; i++) {
			jv s = jv_array_get(jv_copy(list), i);
			if (jv_get_kind(s) == JV_KIND_STRING) {
				const char *name = jv_string_value(s);
				if (plen && !strncmp(name, prefix, plen))
					name += plen;
				int w = snprintf(buf + used, size - used, "%s%s",
						 used ? "|" : "", name);
				if (w > 0)
					used += (size_t)w;
			}
			jv_free(s);
		}
	}
	jv_free(list);
	if (!buf[0])
		snprintf(buf, size, "-");
}


// The "error" of an object (a string or a list), one line each.
static void print_errors(FILE *f, const char *indent, jv obj)
{
	jv e = rv_jv_get(obj, "error");
	if (jv_get_kind(e) == JV_KIND_STRING) {
		fprintf(f, "%serror: %s\n", indent, jv_string_value(e));
	} else if (jv_get_kind(e) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(e));
		for (int i = 0; i < n; i++) {
			jv s = jv_array_get(jv_copy(e), i);
			if (jv_get_kind(s) == JV_KIND_STRING)
				fprintf(f, "%serror: %s\n", indent,
					jv_string_value(s));
			jv_free(s);
		}
	}
	jv_free(e);
}

// ---- tables ----

static void print_mddev(FILE *f, jv a)
{
	char addr[40], name[72], level[24], pers[72], disks[24], degraded[24],
		suspended[24], recovery[512], flags[512];
	addr_cell(a, "addr", addr, sizeof(addr));
	cell(a, "name", name, sizeof(name));
	cell(a, "level", level, sizeof(level));
	cell(a, "personality", pers, sizeof(pers));
	cell(a, "raid_disks", disks, sizeof(disks));
	cell(a, "degraded", degraded, sizeof(degraded));
	cell(a, "suspended", suspended, sizeof(suspended));
	names_cell(a, "recovery", "MD_RECOVERY_", recovery, sizeof(recovery));
	names_cell(a, "flags", "MD_", flags, sizeof(flags));
	int nw = (int)strlen(name) > 4 ? (int)strlen(name) : 4;
	fprintf(f, "%-16s  %-*s  LEVEL  PERSONALITY  DISKS  DEGRADED  SUSPENDED"
		"  RECOVERY  FLAGS\n", "MDDEV", nw, "NAME");
	fprintf(f, "%s  %-*s  %5s  %-11s  %5s  %8s  %9s  %-8s  %s\n", addr, nw,
		name, level, pers, disks, degraded, suspended, recovery, flags);
	print_errors(f, "  ", a);
}

static void print_conf(FILE *f, jv conf)
{
	static const char *const keys[] = {
		"array_frozen", "nr_sync_pending", "nr_pending_sum",
		"nr_waiting_sum", "nr_queued_sum", "barrier_sum",
		"unqueued_pending", "retry_list_count", "bio_end_io_list_count",
		"pending_bio_list_count",
	};
	static const char *const heads[] = {
		"FROZEN", "SYNC_PENDING", "PENDING", "WAITING", "QUEUED",
		"BARRIER", "UNQUEUED", "RETRY_LIST", "END_IO_LIST", "PENDING_BIOS",
	};
	char addr[40];
	addr_cell(conf, "addr", addr, sizeof(addr));
	fprintf(f, "  %-16s", "R1CONF");
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		fprintf(f, "  %s", heads[i]);
	fprintf(f, "\n  %s", addr);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char v[32];
		cell(conf, keys[i], v, sizeof(v));
		fprintf(f, "  %*s", (int)strlen(heads[i]), v);
	}
	fprintf(f, "\n");
	const char *layout = rv_jv_str(conf, "layout");
	if (layout && !strcmp(layout, "scalar"))
		fprintf(f, "  (pre-v4.11 r1conf: single counters, no buckets)\n");
	print_errors(f, "  ", conf);
}

static void print_members(FILE *f, jv a)
{
	jv members = rv_jv_get(a, "members");
	int n = jv_get_kind(members) == JV_KIND_ARRAY ?
		jv_array_length(jv_copy(members)) : 0;
	int dw = 6;
	for (int i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(members), i);
		const char *d = rv_jv_str(m, "device");
		if (d && (int)strlen(d) > dw)
			dw = (int)strlen(d);
		jv_free(m);
	}
	fprintf(f, "  %-16s  %-*s  SLOT  DESC  PENDING  FLAGS\n", "RDEV", dw,
		"DEVICE");
	for (int i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(members), i);
		char addr[40], dev[72], slot[24], desc[24], pending[24], flags[512];
		addr_cell(m, "addr", addr, sizeof(addr));
		cell(m, "device", dev, sizeof(dev));
		cell(m, "raid_disk", slot, sizeof(slot));
		cell(m, "desc_nr", desc, sizeof(desc));
		cell(m, "nr_pending", pending, sizeof(pending));
		names_cell(m, "flags", NULL, flags, sizeof(flags));
		fprintf(f, "  %s  %-*s  %4s  %4s  %7s  %s\n", addr, dw, dev, slot,
			desc, pending, flags);
		print_errors(f, "    ", m);
		jv_free(m);
	}
	if (n == 0)
		fprintf(f, "  (no members)\n");
	jv_free(members);
}

static void print_buckets(FILE *f, jv conf)
{
	jv buckets = rv_jv_get(conf, "buckets");
	if (jv_get_kind(buckets) != JV_KIND_ARRAY) {
		fprintf(f, "  (no barrier buckets in this r1conf)\n");
		jv_free(buckets);
		return;
	}
	int n = jv_array_length(jv_copy(buckets));
	char nr[24];
	cell(conf, "buckets_nr", nr, sizeof(nr));
	if (n == 0) {
		fprintf(f, "  (all %s barrier buckets are zero)\n", nr);
		jv_free(buckets);
		return;
	}
	fprintf(f, "  BUCKET  NR_PENDING  NR_WAITING  NR_QUEUED  BARRIER"
		"   (%d of %s non-zero)\n", n, nr);
	for (int i = 0; i < n; i++) {
		jv b = jv_array_get(jv_copy(buckets), i);
		char idx[24], p[24], w[24], q[24], bar[24];
		cell(b, "idx", idx, sizeof(idx));
		cell(b, "nr_pending", p, sizeof(p));
		cell(b, "nr_waiting", w, sizeof(w));
		cell(b, "nr_queued", q, sizeof(q));
		cell(b, "barrier", bar, sizeof(bar));
		fprintf(f, "  %6s  %10s  %10s  %9s  %7s\n", idx, p, w, q, bar);
		jv_free(b);
	}
	jv_free(buckets);
}

// One wait queue's tasks, each with where it sleeps (the first md frame
// of its stack) and what that makes it (freezer, blocked by barrier...).
static void print_wait_list(FILE *f, jv waiters, const char *title)
{
	int n = jv_array_length(jv_copy(waiters));
	fprintf(f, "  %-16s  %-16s  %7s  %-16s  %-5s  %-32s  ROLE\n", title, "TASK",
		"PID", "COMM", "STATE", "SLEEPS IN");
	for (int i = 0; i < n; i++) {
		jv w = jv_array_get(jv_copy(waiters), i);
		char entry[40], task[40], pid[24], comm[40], state[24], at[200], role[64];
		addr_cell(w, "addr", entry, sizeof(entry));
		addr_cell(w, "task", task, sizeof(task));
		cell(w, "pid", pid, sizeof(pid));
		cell(w, "comm", comm, sizeof(comm));
		cell(w, "state_name", state, sizeof(state));
		cell(w, "sleeps_at", at, sizeof(at));
		cell(w, "role", role, sizeof(role));
		fprintf(f, "  %s  %s  %7s  %-16s  %-5s  %-32s  %s\n", entry, task, pid, comm,
			state, at, role);
		print_errors(f, "    ", w);
		jv_free(w);
	}
}

static void print_waiters(FILE *f, jv a, jv conf)
{
	jv waiters = rv_jv_get(conf, "wait_barrier");
	if (jv_get_kind(waiters) == JV_KIND_ARRAY && jv_array_length(jv_copy(waiters)) > 0)
		print_wait_list(f, waiters, "WAIT_BARRIER");
	else
		fprintf(f, "  (no task waits on wait_barrier)\n");
	jv_free(waiters);
	// mddev->sb_wait: I/O held by mddev_suspend, superblock writes.
	waiters = rv_jv_get(a, "sb_wait");
	if (jv_get_kind(waiters) == JV_KIND_ARRAY && jv_array_length(jv_copy(waiters)) > 0)
		print_wait_list(f, waiters, "SB_WAIT");
	jv_free(waiters);
}

static void print_array(FILE *f, jv a, const struct rv_report_opts *o)
{
	if (jv_get_kind(a) != JV_KIND_OBJECT)
		return;
	jv conf = rv_jv_get(a, "conf");
	bool has_conf = jv_get_kind(conf) == JV_KIND_OBJECT;
	jv in_list = rv_jv_get(a, "in_all_mddevs");
	if (jv_get_kind(in_list) == JV_KIND_FALSE) {
		char mddev[40];
		addr_cell(conf, "mddev_addr", mddev, sizeof(mddev));
		fprintf(f, "r1conf not reached from all_mddevs (its ->mddev: %s)\n",
			mddev);
	} else {
		print_mddev(f, a);
	}
	jv_free(in_list);
	if (has_conf)
		print_conf(f, conf);
	if (rv_jv_str(a, "addr"))
		print_members(f, a);
	if (has_conf && o && o->buckets)
		print_buckets(f, conf);
	if (has_conf && o && o->waiters)
		print_waiters(f, a, conf);
	jv_free(conf);
}

void rv_report_md(FILE *f, jv sec, const struct rv_report_opts *o)
{
	rv_report_problems(f, "md", sec);
	jv arrays = rv_jv_get(sec, "arrays");
	int n = jv_get_kind(arrays) == JV_KIND_ARRAY ?
		jv_array_length(jv_copy(arrays)) : 0;
	jv present = rv_jv_get(sec, "present");
	if (n == 0 && jv_get_kind(present) == JV_KIND_TRUE &&
	    !rv_jv_str(sec, "select"))
		fprintf(f, "md: no arrays in all_mddevs\n");
	jv_free(present);
	static const char *const names[] = { "name", NULL };
	rv_report_list(f, arrays, "md", "array", names, print_array, o);
}
