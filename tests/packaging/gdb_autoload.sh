#!/bin/sh
# Installs the build into a scratch prefix and checks that gdb auto-loads the installed gdb
# extension for libeventlet.so: the script must lie where gdb's scheme looks for it,
# <datadir>/gdb/auto-load/<libdir>/<the library's real file name>-gdb.py. The scratch install
# moves the library under $scratch, so gdb is pointed at a scripts directory that holds the
# installed script under the library's scratch path; nothing sources the script by hand.
# Then `info greenlets` on the consumer, stopped as its hub first waits (its greenthread
# asleep), must list the greenthread.
# usage: gdb_autoload.sh <build dir> <version> <consumer.cpp>
set -eu
. "$(dirname "$0")/prefix.sh"
command -v gdb > /dev/null || { echo "SKIP: gdb is not installed"; exit 77; }
lib=$(readlink -f "$libdir/libeventlet.so")
plain_libdir=$(pkg-config --variable=libdir eventlet)  # as installed, without the scratch
datadir=$scratch$(pkg-config --variable=prefix eventlet)/share
script=$datadir/gdb/auto-load$plain_libdir/$(basename "$lib")-gdb.py
[ -f "$script" ] || { echo "FAIL: no gdb extension at $script"; exit 1; }
autoload=$scratch/auto-load
mkdir -p "$autoload$(dirname "$lib")"
cp "$script" "$autoload$lib-gdb.py"
g++ -g "$3" $(pkg-config "$prefix" --cflags --libs eventlet) -o "$scratch/consumer" ||
  { echo "FAIL: cannot build $3 with pkg-config"; exit 1; }
out=$(LD_LIBRARY_PATH=$libdir EVENTLET_HUB=epoll gdb -batch -nx \
  -iex "set auto-load safe-path /" -iex "add-auto-load-scripts-directory $autoload" \
  -ex "catch syscall epoll_wait epoll_pwait epoll_pwait2" -ex "run $2" -ex "info greenlets" \
  "$scratch/consumer" 2>&1) || true
if echo "$out" | grep -aq "Undefined info command"; then
  echo "FAIL: gdb did not auto-load the extension for $lib"; exit 1
fi
echo "$out" | grep -aqE "^[0-9]+ +[0-9]+ +- +sleeping" ||
  { echo "FAIL: info greenlets did not list the sleeping greenthread"; echo "$out"; exit 1; }
echo "OK: gdb auto-loaded $(basename "$script") and listed the greenthread"
