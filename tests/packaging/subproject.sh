#!/bin/sh
# Builds the consumer program (consumer/meson.build) with eventlet as a meson subproject, a link
# to the source tree at subprojects/eventlet, with its tests, tools and examples off and no
# optimisation (what is checked is the build, not its speed); checks that only the library was
# configured, and runs the program.
# usage: subproject.sh <source dir> <version> <consumer dir>
set -eu
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$3/meson.build" "$3/consumer.cpp" "$scratch"
mkdir "$scratch/subprojects"
ln -s "$1" "$scratch/subprojects/eventlet"
{ meson setup "$scratch/build" "$scratch" --force-fallback-for=eventlet --buildtype=plain &&
  ninja -C "$scratch/build"; } >"$scratch/build.log" 2>&1 ||
  { cat "$scratch/build.log"; echo "FAIL: cannot build with eventlet as a subproject"; exit 1; }
for dir in tests tools; do
  [ ! -e "$scratch/build/subprojects/eventlet/$dir" ] ||
    { echo "FAIL: the subproject read $dir/ with tests, tools and examples off"; exit 1; }
done
"$scratch/build/consumer" "$2" || { echo "FAIL: the consumer exited with status $?"; exit 1; }
