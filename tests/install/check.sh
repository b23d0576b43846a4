#!/bin/sh
# Installs the build into a scratch prefix, then builds and runs a program outside the tree
# with `g++ prog.cpp $(pkg-config --cflags --libs eventlet)`, and checks that no installed
# header brings in libevent's or libev's headers (whose `struct event` and macros would then
# land in every program). Given a third file, builds and runs it with those headers next to ours.
# usage: check.sh <build dir> <outside.cpp> [<with_libevent_libev.cpp>]
set -eu
. "$(dirname "$0")/prefix.sh"
for h in eventlet.hpp greenlet/greenlet.hpp greenlet/context.hpp; do
  [ -f "$inc/$h" ] || { echo "FAIL: $h not installed"; exit 1; }
done
g++ "$2" $(pkg-config "$prefix" --cflags --libs eventlet) -o "$scratch/outside" ||
  { echo "FAIL: cannot build $2 with pkg-config"; exit 1; }
LD_LIBRARY_PATH=$libdir "$scratch/outside" || { echo "FAIL: $2 exited with status $?"; exit 1; }

theirs='(event2/[^>"]*|event\.h|ev\.h|ev\+\+\.h)'
if grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$theirs[>\"]" "$inc"; then
  echo "FAIL: an installed header includes a libevent or libev header (above)"; exit 1
fi
# The same, transitively: every header a program including all of ours reads.
{ echo '#include <eventlet/eventlet.hpp>'
  (cd "$inc/.." && find eventlet -name '*.hpp' | sed 's/.*/#include <&>/'); } > "$scratch/all.cpp"
deps=$(g++ -M $(pkg-config "$prefix" --cflags eventlet) "$scratch/all.cpp" | tr -s ' \\' '\n\n')
if echo "$deps" | grep -E "/$theirs\$"; then
  echo "FAIL: the installed headers bring in a libevent or libev header (above)"; exit 1
fi

if [ $# -ge 3 ]; then
  g++ "$3" $(pkg-config "$prefix" --cflags --libs eventlet libevent_core) -lev -o "$scratch/both" ||
    { echo "FAIL: cannot build $3 with libevent's and libev's headers next to ours"; exit 1; }
  LD_LIBRARY_PATH=$libdir "$scratch/both" || { echo "FAIL: $3 exited with status $?"; exit 1; }
fi
