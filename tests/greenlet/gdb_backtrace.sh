#!/bin/sh
# gdb's backtrace from inside a greenlet ends cleanly at the context-start trampoline: no
# "corrupt stack", no frames from garbage past the greenlet's entry.
command -v gdb >/dev/null || { echo "gdb is not installed"; exit 77; }
out=$(gdb -nx -batch -ex 'break green_breakpoint' -ex run -ex bt "$1" 2>&1)
echo "$out"
echo "$out" | grep -q '^#0 .*green_breakpoint' || { echo "FAIL: did not stop in the greenlet"; exit 1; }
last=$(echo "$out" | grep '^#[0-9]' | tail -n 1)
echo "$last" | grep -q 'eventlet_context_start' || { echo "FAIL: backtrace does not end at the entry: $last"; exit 1; }
if echo "$out" | grep -qi 'corrupt stack\|Backtrace stopped'; then echo "FAIL: unclean end"; exit 1; fi
echo "PASS: backtrace ends at eventlet_context_start"
