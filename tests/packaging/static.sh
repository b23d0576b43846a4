#!/bin/sh
# Installs the build into a scratch prefix, links a program with the static eventlet, libevent,
# libev and OpenSSL archives in the order `pkg-config --static --libs eventlet` gives, and runs
# it once on each hub named. libev also defines libevent's event_add, event_del, ...: named
# first, its archive clashes with libevent's, or (where the link lets it) answers libevent's
# own calls and the libevent hub crashes.
# glibc stays shared: a static one has no dladdr() for the libevent hub's check of that order
# (the hub refuses to start) nor NSS for getaddrinfo(), and linking eventlet statically does
# not mean linking libc statically. Nor do libraries that only db/ needs (see below).
# usage: static.sh <build dir> <static.cpp> <hub>...
set -eu
. "$(dirname "$0")/prefix.sh"
src=$2
shift 2
libs=$(pkg-config "$prefix" --static --libs eventlet)
echo "pkg-config --static --libs eventlet: $libs"
# The archives this test is about are linked statically, in pkg-config's order; the others
# (db/'s libpq and SQLite, and what they name) stay shared, where pkg-config puts them, and
# those with no shared library to link are left out (the shared ones load their own): Debian's
# libpq.pc names libpgcommon and libpgport, which it ships neither as archives nor shared.
linked=
for l in $libs; do
  case $l in
    -leventlet | -levent_core | -lev | -lssl | -lcrypto | -L* | -pthread) linked="$linked $l" ;;
    -l*)
      if [ "$(g++ -print-file-name="lib${l#-l}.so")" != "lib${l#-l}.so" ]; then
        linked="$linked -Wl,-Bdynamic $l -Wl,-Bstatic"
      fi ;;
    *) linked="$linked $l" ;;
  esac
done
g++ "$src" $(pkg-config "$prefix" --cflags eventlet) -Wl,-Bstatic $linked -Wl,-Bdynamic \
  -o "$scratch/static" || { echo "FAIL: cannot link statically in that order"; exit 1; }
if readelf -d "$scratch/static" | grep -E 'NEEDED.*\[lib(eventlet|event|ev)[._-]'; then
  echo "FAIL: the static program still needs the shared libraries above"; exit 1
fi
for hub in "$@"; do
  EVENTLET_HUB=$hub "$scratch/static" ||
    { echo "FAIL: the static program on the $hub hub exited with status $?"; exit 1; }
done
