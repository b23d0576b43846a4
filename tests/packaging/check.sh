#!/bin/sh
# Installs the build into a scratch prefix, then builds and runs the consumer program outside
# the tree with `g++ consumer.cpp $(pkg-config --cflags --libs eventlet)`, and checks that no
# installed header brings in libevent's or libev's headers (whose `struct event` and macros
# would then land in every program). Given a fourth file, builds and runs it with those headers
# next to ours.
# Then builds patch_consumer.cpp (next to consumer.cpp) with `pkg-config eventlet-patch`, checks
# that it needs libeventlet_patch.so once, and runs it.
# usage: check.sh <build dir> <version> <consumer.cpp> [<with_libevent_libev.cpp>]
set -eu
. "$(dirname "$0")/prefix.sh"
for h in eventlet.hpp base/version.hpp greenlet/greenlet.hpp greenlet/context.hpp; do
  [ -f "$inc/$h" ] || { echo "FAIL: $h not installed"; exit 1; }
done
g++ "$3" $(pkg-config "$prefix" --cflags --libs eventlet) -o "$scratch/consumer" ||
  { echo "FAIL: cannot build $3 with pkg-config"; exit 1; }
readelf -d "$scratch/consumer" | grep -q "NEEDED.*\[libeventlet\.so\.${2%%.*}\]" ||
  { echo "FAIL: the program does not need libeventlet.so.${2%%.*}"; exit 1; }
LD_LIBRARY_PATH=$libdir "$scratch/consumer" "$2" ||
  { echo "FAIL: $3 exited with status $?"; exit 1; }

patch_src=$(dirname "$3")/patch_consumer.cpp
g++ "$patch_src" $(pkg-config "$prefix" --cflags --libs eventlet-patch) -o "$scratch/patch_consumer" ||
  { echo "FAIL: cannot build $patch_src with pkg-config eventlet-patch"; exit 1; }
needed=$(readelf -d "$scratch/patch_consumer" | grep -c "NEEDED.*\[libeventlet_patch\.so\.${2%%.*}\]" || true)
[ "$needed" = 1 ] || { echo "FAIL: the program needs libeventlet_patch.so $needed times"; exit 1; }
LD_LIBRARY_PATH=$libdir "$scratch/patch_consumer" ||
  { echo "FAIL: $patch_src exited with status $?"; exit 1; }

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

if [ $# -ge 4 ]; then
  g++ "$4" $(pkg-config "$prefix" --cflags --libs eventlet libevent_core) -lev -o "$scratch/both" ||
    { echo "FAIL: cannot build $4 with libevent's and libev's headers next to ours"; exit 1; }
  LD_LIBRARY_PATH=$libdir "$scratch/both" || { echo "FAIL: $4 exited with status $?"; exit 1; }
fi
