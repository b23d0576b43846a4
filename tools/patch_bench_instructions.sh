#!/bin/sh
# The instructions one call of each side of patch_bench's off-hub comparison executes, counted by
# callgrind (valgrind): deterministic where the time of a system call drifts by hundreds of ns
# on a shared machine. Counts user-space instructions only; both reads make the same system call.
# usage: tools/patch_bench_instructions.sh build/tools/patch_bench [calls, default 100000]
set -eu
bench=$1
n=${2:-100000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" "$bench" --count "$n" >/dev/null 2>&1
# Inclusive counts of the functions of patch_bench.cpp that run each side n times.
callgrind_annotate --inclusive=yes --threshold=100 "$out" | awk -v n="$n" '
  function count(line) { split(line, f, " "); gsub(",", "", f[1]); return f[1] / n }
  /::libc_reads\(/       { libc = count($0) }
  /::interposed_reads\(/ { patched = count($0) }
  /::empty_loop\(/       { empty = count($0) }
  /::gate_calls\(/       { gate = count($0) }
  END {
    if (libc == "" || patched == "" || empty == "" || gate == "") {
      print "callgrind_annotate did not list the benchmark functions"; exit 1
    }
    printf "read() of 0 bytes off the hub: libc %.1f instructions a call, interposed %.1f (%+.1f)\n", libc, patched, patched - libc
    printf "the gate (patch::enabled(), a call) over an empty loop: %+.1f instructions\n", gate - empty
  }'
