#!/bin/sh
# Installs the build into a scratch prefix, then builds and runs a program outside the tree
# with `g++ prog.cpp $(pkg-config --cflags --libs eventlet)`.
# usage: check.sh <build dir> <outside.cpp>
set -eu
build=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$scratch"
pc=$(find "$scratch" -name eventlet.pc)
[ -n "$pc" ] || { echo "FAIL: no eventlet.pc installed"; exit 1; }
for h in eventlet.hpp greenlet/greenlet.hpp greenlet/context.hpp; do
  find "$scratch" -path "*/include/eventlet/$h" | grep -q . || { echo "FAIL: $h not installed"; exit 1; }
done
export PKG_CONFIG_PATH=$(dirname "$pc")
prefix="--define-variable=prefix=$scratch$(pkg-config --variable=prefix eventlet)"
g++ "$src" $(pkg-config "$prefix" --cflags --libs eventlet) -o "$scratch/outside"
LD_LIBRARY_PATH=$(pkg-config "$prefix" --variable=libdir eventlet) "$scratch/outside"
