#!/bin/sh
# Builds the consumer program (consumer/meson.build) with eventlet as a meson subproject taken
# through a wrap file, as a consumer's project takes it: subprojects/eventlet.wrap names a
# release tarball (here made from this source tree) by file name and SHA-256, and the tarball
# waits in subprojects/packagecache/, where meson looks before it downloads, so no network is
# needed. Built with tests, tools and examples off and no optimisation (what is checked is the
# build, not its speed); checks that only the library was configured, and runs the program.
# usage: subproject.sh <source dir> <version> <consumer dir>
set -eu
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$3/meson.build" "$3/consumer.cpp" "$scratch"
mkdir -p "$scratch/subprojects/packagecache"
pkg=eventlet-$2
tarball=$scratch/subprojects/packagecache/$pkg.tar.gz
tar -C "$1" --exclude='./build*' --exclude=./.git --exclude=./subprojects/packagecache \
  --transform "s,^\.,$pkg,S" -czf "$tarball" .
cat > "$scratch/subprojects/eventlet.wrap" <<WRAP
[wrap-file]
directory = $pkg
source_url = https://example.invalid/$pkg.tar.gz
source_filename = $pkg.tar.gz
source_hash = $(sha256sum "$tarball" | cut -d' ' -f1)

[provide]
dependency_names = eventlet
WRAP
{ meson setup "$scratch/build" "$scratch" --force-fallback-for=eventlet --buildtype=plain &&
  ninja -C "$scratch/build"; } >"$scratch/build.log" 2>&1 ||
  { cat "$scratch/build.log"; echo "FAIL: cannot build with eventlet as a subproject"; exit 1; }
grep -q "Using eventlet source from cache" "$scratch/build.log" ||
  { cat "$scratch/build.log"; echo "FAIL: meson did not take eventlet through the wrap file"; exit 1; }
for dir in tests tools; do
  [ ! -e "$scratch/build/subprojects/$pkg/$dir" ] ||
    { echo "FAIL: the subproject read $dir/ with tests, tools and examples off"; exit 1; }
done
"$scratch/build/consumer" "$2" || { echo "FAIL: the consumer exited with status $?"; exit 1; }
