# SPDX-License-Identifier: GPL-2.0-or-later
# true when every frame of the guest's /proc/PID/stack ($gt[0], the rig's
# ground-truth.json; clone suffixes like .part.0 dropped) appears, in
# order, among the frames raidvirt scanned for task $pid (the facts on
# stdin: md wait_barrier and sb_wait entries). Used by lastmile.sh.
def hex: ascii_downcase | explode
  | reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
[(.md.arrays[0].conf.wait_barrier[]?, .md.arrays[0].sb_wait[]?)
 | select(.pid == ($pid | tonumber)) | .stack.frames[]
 | "\(.function)+\(.offset)"] as $o
| [$gt[0].tasks[$pid].stack[]
   | capture("^(?<f>[^.+]+)[^+]*[+]0x(?<h>[0-9a-f]+)/")
   | "\(.f)+\(.h | hex)"] as $g
| ($g | length) > 0 and
  (reduce $g[] as $x ({i: 0, ok: true};
     if .ok then (($o[.i:] | index([$x])) as $k
       | if $k == null then {i: .i, ok: false} else {i: (.i + $k + 1), ok: true} end)
     else . end)
   | .ok)
