#!/bin/sh
# Installs the build into a scratch prefix, then builds the consumer program with CMake's
# find_package(eventlet <version> CONFIG) (consumer/CMakeLists.txt) against the shared library
# and against the static one, and runs the first once and the second on each hub named: the
# static target must name libevent before libev, or the libevent hub fails. The same for
# patch_consumer with eventlet::patch (which must need libeventlet_patch.so once) and
# eventlet::patch_static.
# usage: cmake.sh <build dir> <version> <consumer dir> <hub>...
set -eu
. "$(dirname "$0")/prefix.sh"
version=$2
src=$3
shift 3
out=$scratch/cmake
cmake -S "$src" -B "$out" -DCMAKE_PREFIX_PATH="$scratch$(pkg-config --variable=prefix eventlet)" \
  -DEVENTLET_VERSION="$version" >"$scratch/cmake.log" 2>&1 &&
  cmake --build "$out" >>"$scratch/cmake.log" 2>&1 ||
  { cat "$scratch/cmake.log"; echo "FAIL: cannot build $src with CMake"; exit 1; }
readelf -d "$out/consumer" | grep -q "NEEDED.*\[libeventlet\.so\.${version%%.*}\]" ||
  { echo "FAIL: the program does not need libeventlet.so.${version%%.*}"; exit 1; }
"$out/consumer" "$version" || { echo "FAIL: the shared program exited with status $?"; exit 1; }
if readelf -d "$out/consumer_static" | grep NEEDED.*libeventlet; then
  echo "FAIL: the static program needs the shared library"; exit 1
fi
for hub in "$@"; do
  EVENTLET_HUB=$hub "$out/consumer_static" "$version" ||
    { echo "FAIL: the static program on the $hub hub exited with status $?"; exit 1; }
done
needed=$(readelf -d "$out/patch_consumer" | grep -c "NEEDED.*\[libeventlet_patch\.so\.${version%%.*}\]" || true)
[ "$needed" = 1 ] || { echo "FAIL: patch_consumer needs libeventlet_patch.so $needed times"; exit 1; }
"$out/patch_consumer" || { echo "FAIL: patch_consumer exited with status $?"; exit 1; }
if readelf -d "$out/patch_consumer_static" | grep NEEDED.*libeventlet; then
  echo "FAIL: the static patch_consumer needs a shared eventlet library"; exit 1
fi
"$out/patch_consumer_static" || { echo "FAIL: patch_consumer_static exited with status $?"; exit 1; }
