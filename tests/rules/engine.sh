#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rule engine without dumps: lint of the shipped rules and of broken
# ones (file:line messages), every rule on its facts fixtures (the seed
# numbers), engine limits (time, memory, match cap, evaluation errors),
# user rule directories and triage exit statuses. Needs only the CLI.
. "$(dirname "$0")/../lib.sh"

T=$RV_ROOT/tests/rules
FIX=$T/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$RV_CLI" ]; then
	rv_not_ok "CLI $RV_CLI not built"
	rv_summary
	exit 1
fi

# ---- lint ----

out=$("$RV_CLI" rules lint 2>&1)
rc=$?
rv_eq "lint rules/ exit status" 0 "$rc"
rv_match "lint rules/ summary" "^$(ls "$RV_ROOT"/rules/*.yaml | wc -l) rules valid, 0 problems" "$(tail -1 <<<"$out")"
rv_eq "lint rules/ prints no problem lines" 1 "$(wc -l <<<"$out")"

out=$("$RV_CLI" rules lint "$T/bad" 2>&1)
rc=$?
rv_eq "lint bad/ exit status" 1 "$rc"
# Each broken file is reported at the line of its mistake.
B="$T/bad"
expect=(
	"$B/unknown-key.yaml:5:1: rule unknown-key: unknown key 'sevrity'"
	"$B/unknown-key.yaml:3:1: rule unknown-key: missing key 'severity'"
	"$B/bad-severity.yaml:5:11: rule bad-severity: bad severity 'fatal'"
	"$B/jq-syntax.yaml:9: rule jq-syntax: condition: jq: syntax error"
	"$B/jq-undefined.yaml:11: rule jq-undefined: evidence array: jq: no_such_function/1 is not defined"
	"$B/missing-tests.yaml:3:1: rule missing-tests: missing key 'tests'"
	"$B/bad-placeholder.yaml:12: rule bad-placeholder: message placeholder {arry} names no evidence"
	"$B/yaml-syntax.yaml:12:10: YAML: while scanning a quoted scalar"
	"$B/id-mismatch.yaml:3:1: rule some-other-id: id 'some-other-id' does not match the file name"
	"$B/bad-reference.yaml:17:13: rule bad-reference: commit 'not-a-commit' is not an abbreviated commit id"
	"$B/absent-section.yaml:8: rule absent-section: fails on a dump without its subsystem"
	"$B/bad-tests.yaml:19:10: rule bad-tests: bad dump name 'no such dump!'"
	"$B/bad-tests.yaml:20:10: rule bad-tests: quiet is an empty list"
	"$B/param-undeclared.yaml:10: rule param-undeclared: \$params.limti is not declared under parameters"
)
for e in "${expect[@]}"; do
	if grep -qF -- "$e" <<<"$out"; then
		rv_ok "lint reports: ${e#$B/}"
	else
		rv_not_ok "lint does not report: ${e#$B/}"
	fi
done
rv_eq "lint bad/ problem count" "${#expect[@]}" "$(grep -c '\.yaml:[0-9]' <<<"$out")"
rv_match "lint bad/ summary" "^1 rule valid, ${#expect[@]} problems" "$(tail -1 <<<"$out")"

# A bad rule is skipped, the others still run (absent-section loads but
# fails on evaluation: a rule error entry, not a crash).
"$RV_CLI" triage --no-builtin-rules --rules "$B" --json --facts "$FIX/raid1-barrier-underflow.json" \
	>"$tmp/bad.json" 2>"$tmp/bad.err"
rc=$?
rv_eq "triage with broken rules: exit (incomplete)" 3 "$rc"
rv_eq "triage with broken rules: rules loaded" 1 "$(rv_jq "$tmp/bad.json" '.rules.loaded')"
# All but absent-section's problem (found by lint's evaluation) are load problems.
rv_eq "triage with broken rules: load problems as error entries" "$(( ${#expect[@]} - 1 ))" \
	"$(rv_jq "$tmp/bad.json" '[.findings[] | select(.error)] | length')"
rv_match "triage with broken rules: stderr names the file and line" \
	"bad-severity.yaml:5:11" "$(cat "$tmp/bad.err")"

# ---- rules list ----

ids=$("$RV_CLI" rules list --json | jq -r '[.[].id] | sort | join(" ")')
rv_eq "rules list" "blk-invalid-flush-queue blk-stuck-io irq-vector-exhaustion-cpu irq-vector-exhaustion-managed raid1-barrier-imbalance raid1-degraded raid1-freeze-hang virtio-broken-vq virtio-completed-during-pause virtio-device-stall virtio-lost-interrupt" "$ids"
rv_eq "every rule names dumps where it fires and stays quiet" 0 \
	"$("$RV_CLI" rules list --json | jq '[.[] | select((.tests.fires | length) == 0 or (.tests.quiet | length) == 0)] | length')"

# ---- each fixture: the expected rule fires, with the seed's numbers ----

# triage_fixture NAME: triage --json of a fixture into $tmp/NAME.json; sets rc
triage_fixture() {
	"$RV_CLI" triage --json --facts "$FIX/$1.json" >"$tmp/$1.json" 2>"$tmp/$1.err"
	rc=$?
}
# ev FIXTURE RULE FILTER: a value of the first finding of RULE
ev() {
	rv_jq "$tmp/$1.json" "[.findings[] | select(.rule == \"$2\")][0] | $3"
}

# ---- rule parameters: blk-stuck-io.threshold_s ----
f=blk-stuck-io
triage_fixture $f
rv_eq "stuck-io: default 30 s: one finding" 1 "$(rv_jq "$tmp/$f.json" "[.findings[] | select(.rule == \"$f\")] | length")"
rv_eq "stuck-io: 2 requests over 30 s, oldest 45 s, md0 on it" "vdb 2 45 md0 30" \
	"$(ev $f $f '"\(.evidence.disk) \(.evidence.stuck) \(.evidence.oldest_age_s) \(.evidence.stacked | join(",")) \(.parameters.threshold_s)"')"
"$RV_CLI" triage --json --param blk-stuck-io.threshold_s=60 --facts "$FIX/$f.json" >"$tmp/p60.json" 2>/dev/null
rv_eq "stuck-io: --param threshold_s=60: quiet" 0 "$(rv_jq "$tmp/p60.json" "[.findings[] | select(.rule == \"$f\")] | length")"
RAIDVIRT_RULE_PARAMS="blk-stuck-io.threshold_s=1" "$RV_CLI" triage --json --facts "$FIX/$f.json" >"$tmp/p1.json" 2>/dev/null
rv_eq "stuck-io: RAIDVIRT_RULE_PARAMS threshold_s=1: all 3 stuck" "3 1" \
	"$(rv_jq "$tmp/p1.json" "[.findings[] | select(.rule == \"$f\")][0] | \"\(.evidence.stuck) \(.parameters.threshold_s)\"")"
"$RV_CLI" triage --param blk-stuck-io.threshold_s=soon --facts "$FIX/$f.json" >/dev/null 2>"$tmp/pbad.err"
rv_eq "stuck-io: a value of another type: usage error" 2 $?
rv_match "stuck-io: ... saying so" "not of the default's type" "$(cat "$tmp/pbad.err")"
"$RV_CLI" triage --param blk-stuck-io.nope=1 --facts "$FIX/$f.json" >/dev/null 2>"$tmp/pbad.err"
rv_eq "stuck-io: an unknown parameter: usage error" 2 $?
rv_match "stuck-io: ... naming it" "no parameter nope" "$(cat "$tmp/pbad.err")"

# ---- virtio-lost-interrupt on a hypervisor dump ----
# The fixture's queue has its irq disabled (depth 1, 99900 unhandled): a
# lost interrupt even on a hypervisor dump. Without that evidence the
# drained completions are a warning of virtio-completed-during-pause.
jq '.dump.provenance = {method: "hypervisor", guest_state: "paused", evidence: []}' \
	"$FIX/virtio-lost-interrupt.json" >"$tmp/li-hv.json"
"$RV_CLI" triage --json --facts "$tmp/li-hv.json" >"$tmp/li-hv.out.json" 2>/dev/null
rv_eq "hypervisor dump, irq disabled: lost interrupt at error" "virtio-lost-interrupt error" \
	"$(rv_jq "$tmp/li-hv.out.json" '[.findings[] | select(.rule | startswith("virtio-l") or startswith("virtio-c")) | "\(.rule) \(.severity)"] | join(",")')"
jq '.virtio.devices[0].vqs[0].irq_desc.depth = 0 | .virtio.devices[0].vqs[0].irq_desc.irqs_unhandled = 0' \
	"$tmp/li-hv.json" >"$tmp/li-hv2.json"
"$RV_CLI" triage --json --facts "$tmp/li-hv2.json" >"$tmp/li-hv2.out.json" 2>/dev/null
rv_eq "hypervisor dump, no interrupt evidence: completed during the pause, warning" \
	"virtio-completed-during-pause warning" \
	"$(rv_jq "$tmp/li-hv2.out.json" '[.findings[] | select(.rule | startswith("virtio-l") or startswith("virtio-c")) | "\(.rule) \(.severity)"] | join(",")')"
jq '.virtio.devices[0].vqs[0].event_triggered = true' "$tmp/li-hv2.json" >"$tmp/li-hv3.json"
"$RV_CLI" triage --json --facts "$tmp/li-hv3.json" >"$tmp/li-hv3.out.json" 2>/dev/null
rv_eq "hypervisor dump, interrupt taken without reaping (event_triggered): lost interrupt" \
	"virtio-lost-interrupt error" \
	"$(rv_jq "$tmp/li-hv3.out.json" '[.findings[] | select(.rule | startswith("virtio-l") or startswith("virtio-c")) | "\(.rule) \(.severity)"] | join(",")')"

triage_fixture irq-vector-exhaustion-managed
f=irq-vector-exhaustion-managed
rv_eq "seed 002: exit status (critical finding)" 1 "$rc"
rv_eq "seed 002: only the managed exhaustion rule fires" "$f" \
	"$(rv_jq "$tmp/$f.json" '[.findings[].rule] | unique | join(" ")')"
rv_eq "seed 002: severity" critical "$(ev $f $f .severity)"
rv_eq "seed 002: global_available" 0 "$(ev $f $f .evidence.global_available)"
rv_eq "seed 002: total_allocated" 1922 "$(ev $f $f .evidence.total_allocated)"
rv_eq "seed 002: capacity (201 x 80)" 16080 "$(ev $f $f .evidence.capacity)"
rv_eq "seed 002: managed reservations = capacity - non-managed allocations" \
	"$(rv_jq "$FIX/$f.json" '.irq.matrix.capacity - (.irq.matrix.total_allocated - .irq.matrix.managed_allocated_sum)')" \
	"$(ev $f $f .evidence.managed_reserved)"
rv_match "seed 002: the failed probe from the log" "probe of virtio418 failed with error -16" \
	"$(ev $f $f '.evidence.log_probe_failed | join(";")')"
rv_match "seed 002: the Flags mismatch line" "Flags mismatch irq 0\\. 00000080 \\(virtio418\\)" \
	"$(ev $f $f '.evidence.log_flags_mismatch | join(";")')"
rv_eq "seed 002: fallback vectors, as a range" "virtio[510-512]-virtqueues" \
	"$(ev $f $f '.evidence.fallback_vectors | join(" ")')"
rv_eq "seed 002: fallback devices, counted" "3 devices" \
	"$(ev $f $f '.evidence.fallback_devices')"
rv_eq "seed 002: paths: the matrix, then the 5 devices holding most" \
	"irq.matrix irq.by_device[0] irq.by_device[1] irq.by_device[2] irq.by_device[3] irq.by_device[4]" \
	"$(ev $f $f '.paths | join(" ")')"
rv_match "seed 002: cites ad71473d9c43 and 1a662cf6cb9a" "ad71473d9c43.*1a662cf6cb9a" \
	"$(ev $f $f '[.references[].commit // empty] | join(" ")')"
rv_match "seed 002: remedy names num_request_queues" "num_request_queues" \
	"$(ev $f $f '.remedies | join(" ")')"

triage_fixture irq-vector-exhaustion-cpu
f=irq-vector-exhaustion-cpu
rv_eq "per-CPU exhaustion: exit status (warning only)" 0 "$rc"
rv_eq "per-CPU exhaustion: rule" "$f" "$(rv_jq "$tmp/$f.json" '[.findings[].rule] | unique | join(" ")')"
rv_eq "per-CPU exhaustion: CPUs" "2,3" "$(ev $f $f '.evidence.exhausted_cpus | join(",")')"
rv_eq "per-CPU exhaustion: the irq bound to them" "irq 40 virtio5-req.0 (CPUs 2-3)" \
	"$(ev $f $f '.evidence.irqs_at_risk | join(";")')"
rv_eq "per-CPU exhaustion: paths" "irq irq.cpus[2] irq.cpus[3]" "$(ev $f $f '.paths | join(" ")')"

triage_fixture blk-invalid-flush-queue
f=blk-invalid-flush-queue
rv_eq "seed 003: exit status" 1 "$rc"
rv_eq "seed 003: severity" critical "$(ev $f $f .severity)"
rv_eq "seed 003: fq pointer" 0xffff87c5eafa5600 "$(ev $f $f .evidence.fq)"
rv_eq "seed 003: hctx" 0xffff880612184000 "$(ev $f $f .evidence.hctx)"
rv_eq "seed 003: verdict" unreadable "$(ev $f $f .evidence.verdict)"
rv_eq "seed 003: disk" cbd0 "$(ev $f $f .evidence.disk)"
rv_match "seed 003: the panic is in blk_free_flush_queue" "blk_free_flush_queue\\+0x12" \
	"$(ev $f $f .evidence.panic)"
rv_eq "seed 003: path" "blk.disks[0].hctx[0]" "$(ev $f $f '.paths | join(" ")')"

triage_fixture virtio-lost-interrupt
f=virtio-lost-interrupt
rv_eq "lost interrupt: exit status" 1 "$rc"
rv_eq "lost interrupt: rules firing" "$f" "$(rv_jq "$tmp/$f.json" '[.findings[].rule] | unique | join(" ")')"
rv_eq "lost interrupt: unreaped (used 120 - last_used 117)" 3 "$(ev $f $f .evidence.unreaped)"
rv_eq "lost interrupt: queue" "virtio3 vdd req.0" "$(ev $f $f '"\(.evidence.device) \(.evidence.disk) \(.evidence.vq)"')"
rv_match "lost interrupt: irq state" "depth 1 \\(disabled\\), irqs_unhandled 99900" \
	"$(ev $f $f .evidence.irq_state)"
rv_match "lost interrupt: log regex on the irq number" "irq 31: nobody cared" \
	"$(ev $f $f '.evidence.log_irq_disabled | join(";")')"
rv_eq "lost interrupt: path" "virtio.devices[0].vqs[0]" "$(ev $f $f '.paths | join(" ")')"

triage_fixture virtio-broken-vq
f=virtio-broken-vq
rv_eq "broken vq: rules firing" "$f" "$(rv_jq "$tmp/$f.json" '[.findings[].rule] | unique | join(" ")')"
rv_eq "broken vq: queues" "req.0 req.1" "$(ev $f $f '.evidence.broken_vqs | join(" ")')"
rv_eq "broken vq: paths (device, its queues, its disk)" \
	"virtio.devices[0] virtio.devices[0].vqs[0] virtio.devices[0].vqs[1] blk.disks[0]" \
	"$(ev $f $f '.paths | join(" ")')"

triage_fixture raid1-barrier-underflow
f=raid1-barrier-underflow
rv_eq "barrier underflow: rules firing" "raid1-barrier-imbalance" \
	"$(rv_jq "$tmp/$f.json" '[.findings[].rule] | unique | join(" ")')"
rv_match "barrier underflow: the negative bucket" "bucket 417: nr_pending -1" \
	"$(ev $f raid1-barrier-imbalance '.evidence.problems | join(";")')"
rv_match "barrier underflow: the waiter nobody wakes" "1 task\\(s\\) sleep on wait_barrier" \
	"$(ev $f raid1-barrier-imbalance '.evidence.problems | join(";")')"

# The same fixture evaluated in process (no fork) gives the same findings.
RAIDVIRT_RULES_NOFORK=1 "$RV_CLI" triage --json --facts "$FIX/$f.json" >"$tmp/nofork.json" 2>/dev/null
rv_eq "in-process evaluation gives the same findings" \
	"$(jq -S .findings "$tmp/$f.json" | md5sum)" "$(jq -S .findings "$tmp/nofork.json" | md5sum)"

# ---- limits: a bad rule cannot hang, exhaust or stop the others ----

start=$(date +%s)
RAIDVIRT_RULE_TIMEOUT=3 RAIDVIRT_RULE_MEMORY_MB=256 "$RV_CLI" triage --json \
	--rules "$T/limits" --facts "$FIX/raid1-barrier-underflow.json" >"$tmp/limits.json" 2>/dev/null
rc=$?
secs=$(( $(date +%s) - start ))
rv_cmp "limits: triage finishes despite a looping rule (seconds)" "$secs" -lt 20
rv_eq "limits: exit status 1 (the built-in finding is an error)" 1 "$rc"
rv_match "limits: the looping rule is stopped" "timed out after 3000 ms" \
	"$(rv_jq "$tmp/limits.json" '.findings[] | select(.rule == "loop-forever") | .error')"
rv_match "limits: the memory hog dies alone" "signal .*at most 256 MiB" \
	"$(rv_jq "$tmp/limits.json" '.findings[] | select(.rule == "memory-hog") | .error')"
rv_eq "limits: endless matches are capped at 1000 findings" 1000 \
	"$(rv_jq "$tmp/limits.json" '[.findings[] | select(.rule == "many-matches" and (.error | not))] | length')"
rv_match "limits: ... and say so" "more than 1000 matches" \
	"$(rv_jq "$tmp/limits.json" '.findings[] | select(.rule == "many-matches" and .error) | .error')"
# (jq 1.6 says "Invalid numeric literal", 1.7 and later "... cannot be parsed as a number")
rv_match "limits: an evidence error stays in the finding" "evidence v: .*(Invalid numeric literal|cannot be parsed as a number)" \
	"$(rv_jq "$tmp/limits.json" '.findings[] | select(.rule == "evidence-error") | .errors[0]')"
rv_eq "limits: the built-in rule still fires" 1 \
	"$(rv_jq "$tmp/limits.json" '[.findings[] | select(.rule == "raid1-barrier-imbalance")] | length')"
rv_eq "limits: findings first, most severe first, error entries last" \
	"error info" "$(rv_jq "$tmp/limits.json" '[.findings[] | select(.error | not) | .severity] | [first, last] | join(" ")')"
rv_eq "limits: error entries at the end" 3 \
	"$(rv_jq "$tmp/limits.json" '[.findings[-3:][] | select(.error)] | length')"

# ---- the cache of rule programs known to compile (lib/rules_cache.c) ----
# Off, cold (every rule compiles whole, one cache file per rule program) and
# warm (conditions only, the rest for the rules that match, in a second
# child): the same findings, the limits above included.

C=$tmp/program-cache
f=raid1-barrier-underflow
for run in off cold warm; do
	if [ $run = off ]; then
		env RAIDVIRT_CACHE=off HOME="$tmp/home" XDG_CACHE_HOME="$tmp/xdg" "$RV_CLI" triage \
			--json --facts "$FIX/$f.json" >"$tmp/cache-$run.json" 2>/dev/null
	else
		RAIDVIRT_CACHE=$C "$RV_CLI" triage --json --facts "$FIX/$f.json" \
			>"$tmp/cache-$run.json" 2>/dev/null
	fi
	rv_eq "program cache $run: the same findings as the default run" \
		"$(jq -S .findings "$tmp/$f.json" | md5sum)" "$(jq -S .findings "$tmp/cache-$run.json" | md5sum)"
	[ $run = cold ] && rv_eq "program cache cold: one file per built-in rule" \
		"$(ls "$RV_ROOT"/rules/*.yaml | wc -l)" "$(ls "$C/rules" 2>/dev/null | wc -l)"
done
rv_eq "program cache off: nothing written" 0 "$(find "$tmp/home" "$tmp/xdg" -type f 2>/dev/null | wc -l)"
for run in cold warm; do
	RAIDVIRT_CACHE=$C RAIDVIRT_RULE_TIMEOUT=3 RAIDVIRT_RULE_MEMORY_MB=256 "$RV_CLI" triage --json \
		--rules "$T/limits" --facts "$FIX/raid1-barrier-underflow.json" >"$tmp/limits-$run.json" 2>/dev/null
	rv_eq "program cache $run: the limits give the same findings and error entries" \
		"$(jq -S .findings "$tmp/limits.json" | md5sum)" "$(jq -S .findings "$tmp/limits-$run.json" | md5sum)"
done

# ---- user rule directories ----

f=raid1-barrier-underflow
"$RV_CLI" triage --json --rules "$T/user" --facts "$FIX/$f.json" >"$tmp/user.json" 2>/dev/null
rv_eq "--rules: the user rule runs" "kernel 6.1.0-56-cloud-amd64, 2 CPUs online, md arrays: md0" \
	"$(rv_jq "$tmp/user.json" '.findings[] | select(.rule == "kernel-release") | .message')"
nb=$(ls "$RV_ROOT"/rules/*.yaml | wc -l)
rv_eq "--rules: $((nb + 1)) rules ($nb built-in + 2 user, one replacing a built-in)" $((nb + 1)) \
	"$(rv_jq "$tmp/user.json" .rules.loaded)"
RAIDVIRT_RULES=$T/user "$RV_CLI" triage --json --facts "$FIX/$f.json" >"$tmp/env.json" 2>/dev/null
rv_eq "RAIDVIRT_RULES: the user rule runs" 1 \
	"$(rv_jq "$tmp/env.json" '[.findings[] | select(.rule == "kernel-release")] | length')"
# The user's raid1-degraded (severity error) replaces the built-in one.
jq '.md.arrays[0].degraded = 1' "$FIX/$f.json" >"$tmp/degraded.json"
"$RV_CLI" triage --json --rules "$T/user" --facts "$tmp/degraded.json" >"$tmp/override.json" 2>/dev/null
rv_eq "--rules: a user rule overrides the built-in of the same id" \
	"error raid1-degraded (site policy, any degraded array is an error)" \
	"$(rv_jq "$tmp/override.json" '.findings[] | select(.rule == "raid1-degraded") | "\(.severity) \(.title | sub("raid1 array degraded "; "raid1-degraded "))"')"
"$RV_CLI" triage --no-builtin-rules --rules "$T/user" --facts "$FIX/$f.json" >/dev/null 2>&1
rv_eq "--no-builtin-rules: only info findings, exit 0" 0 "$?"

# ---- exit statuses ----

"$RV_CLI" triage --facts "$FIX/irq-vector-exhaustion-cpu.json" >/dev/null 2>&1
rv_eq "exit: warning, default --fail-on error" 0 "$?"
"$RV_CLI" triage --fail-on warning --facts "$FIX/irq-vector-exhaustion-cpu.json" >/dev/null 2>&1
rv_eq "exit: warning, --fail-on warning" 1 "$?"
"$RV_CLI" triage --fail-on critical --facts "$FIX/virtio-lost-interrupt.json" >/dev/null 2>&1
rv_eq "exit: error, --fail-on critical" 0 "$?"
"$RV_CLI" triage --fail-on critical --facts "$FIX/blk-invalid-flush-queue.json" >/dev/null 2>&1
rv_eq "exit: critical, --fail-on critical" 1 "$?"
"$RV_CLI" triage --fail-on bogus --facts "$FIX/blk-invalid-flush-queue.json" >/dev/null 2>&1
rv_eq "exit: bad --fail-on is a usage error" 2 "$?"
"$RV_CLI" triage >/dev/null 2>&1
rv_eq "exit: no DUMP is a usage error" 2 "$?"
"$RV_CLI" triage --facts "$tmp/does-not-exist.json" >/dev/null 2>&1
rv_eq "exit: unreadable facts file" 3 "$?"
echo '{"schema":' >"$tmp/broken.json"
"$RV_CLI" triage --facts "$tmp/broken.json" >/dev/null 2>&1
rv_eq "exit: facts file that is not JSON" 3 "$?"
"$RV_CLI" triage "$tmp/does-not-exist.vmcore" >/dev/null 2>&1
rv_eq "exit: unreadable dump" 3 "$?"
"$RV_CLI" triage --no-builtin-rules --facts "$FIX/blk-invalid-flush-queue.json" >/dev/null 2>&1
rv_eq "exit: no rules at all" 3 "$?"
"$RV_CLI" triage --facts - <"$FIX/blk-invalid-flush-queue.json" >/dev/null 2>&1
rv_eq "exit: facts from stdin" 1 "$?"

# ---- text report ----

txt=$("$RV_CLI" triage --explain --facts "$FIX/blk-invalid-flush-queue.json" 2>&1)
rv_match "text: finding header" "\\[CRITICAL\\] blk-invalid-flush-queue: blk-mq hardware context" "$txt"
rv_match "text: evidence line" "    verdict +unreadable" "$txt"
rv_match "text: facts paths" "  facts: blk.disks\\[0\\]\\.hctx\\[0\\]" "$txt"
rv_match "text: references with commit ids" "    - commit 7c94e1c157a2: block: introduce blk_flush_queue" "$txt"
rv_match "text: --explain prints the explanation" "  explanation:" "$txt"
rv_match "text: summary line" "findings: 1 critical" "$txt"

# ---- rules test: "quiet" needs the rule's section decoded ----
# Every built-in rule, each with quiet: [fixture:all-errors], where every
# section is {"error": ...}: nothing fires, and that must prove nothing.
mkdir -p "$tmp/quiet-rules" "$tmp/quiet-fx"
nrules=0
for y in "$RV_ROOT"/rules/*.yaml; do
	python3 - "$y" "$tmp/quiet-rules/$(basename "$y")" <<'PY'
import sys, yaml
r = yaml.safe_load(open(sys.argv[1]))
# (fires is required; its not-ok lines are not counted below)
r['tests'] = {'fires': ['fixture:all-good'], 'quiet': ['fixture:all-errors', 'fixture:all-good']}
yaml.safe_dump(r, open(sys.argv[2], 'w'), sort_keys=False)
PY
	nrules=$((nrules + 1))
done
jq -n '{schema: "raidvirt.facts/1", findings: []}
	+ ({dump: {error: "x"}, log: {error: "x"}, md: {error: "x"}, irq: {error: "x"},
	    blk: {error: "x"}, virtio: {error: "x"}})' >"$tmp/quiet-fx/all-errors.json"
# The same sections decoded and empty: quiet is then a real answer.
jq -n '{schema: "raidvirt.facts/1", findings: [], dump: {present: true},
	log: {present: true}, md: {present: true, arrays: []},
	irq: {present: true}, blk: {present: true, disks: []},
	virtio: {present: true, devices: []}}' >"$tmp/quiet-fx/all-good.json"
out=$("$RV_CLI" rules test --fixtures "$tmp/quiet-fx" "$tmp/quiet-rules" 2>/dev/null)
rv_cmp "quiet: rules loaded" "$nrules" -ge 9
rv_eq "quiet on all-error sections: every rule fails" "$nrules" \
	"$(grep -c '^not ok .* quiet on fixture:all-errors: proves nothing, section [a-z]*: the section has an error' <<<"$out")"
rv_eq "quiet on decoded empty sections: every rule passes" "$nrules" \
	"$(grep -c '^ok .* quiet on fixture:all-good$' <<<"$out")"

rv_summary
