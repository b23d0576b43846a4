#!/bin/sh
# LD_PRELOAD=libeventlet_patch.so: a program that uses libeventlet.so but was linked without
# the patch library becomes green (preload_demo says "overlapped"; without the preload,
# "serial"); programs without any hub run exactly as before: curl against a local HTTP server
# and python3 making a socket round trip and sleeping give the same output and exit status.
# And preloaded into the demo linked with the static libeventlet, the hub refuses to open with a
# message that says why (two copies of eventlet).
# usage: preload.sh <libeventlet_patch.so> <preload_demo> <preload_demo_static>
set -eu
patch=$1
demo=$2
static_demo=$3
scratch=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

plain=$("$demo") || { echo "FAIL: $demo exited with status $?"; exit 1; }
green=$(LD_PRELOAD=$patch "$demo") || { echo "FAIL: $demo under LD_PRELOAD exited with $?"; exit 1; }
echo "without the preload: $plain"
echo "with the preload:    $green"
case $plain in *serial) ;; *) echo "FAIL: the demo overlapped without the patch library"; exit 1 ;; esac
case $green in *overlapped) ;; *) echo "FAIL: the preloaded patch library did not make it green"; exit 1 ;; esac

if refused=$(LD_PRELOAD=$patch "$static_demo" 2>&1); then
  echo "FAIL: the static demo ran under LD_PRELOAD: $refused"; exit 1
fi
case $refused in
  *"own static copy of eventlet"*) echo "static eventlet under LD_PRELOAD refused: ok" ;;
  *) echo "FAIL: the static demo failed otherwise under LD_PRELOAD: $refused"; exit 1 ;;
esac

# The same output and exit status, preloaded or not.
same() {
  a=$(set +e; "$@" 2>&1; echo "exit $?")
  b=$(set +e; LD_PRELOAD=$patch "$@" 2>&1; echo "exit $?")
  if [ "$a" != "$b" ]; then
    printf 'FAIL: %s differs under LD_PRELOAD:\n--- plain\n%s\n--- preloaded\n%s\n' "$*" "$a" "$b"
    exit 1
  fi
  echo "same under LD_PRELOAD ($(echo "$a" | tail -1)): $(echo "$*" | head -c 60 | tr "\n" " ")"
}

py=/usr/bin/python3
same $py -c '
import socket, time
a, b = socket.socketpair()
a.sendall(b"ping" * 1000)
got = b""
while len(got) < 4000:
    got += b.recv(65536)
time.sleep(0.05)
s = socket.create_server(("127.0.0.1", 0))
c = socket.create_connection(s.getsockname())
d, _ = s.accept()
c.sendall(b"hello")
print(len(got), d.recv(5).decode(), socket.getaddrinfo("localhost", 80)[0][4][1])
'
same $py -c 'import sys; sys.exit(3)'

if [ -x /usr/bin/curl ]; then
  mkdir "$scratch/www"
  echo "a page" > "$scratch/www/index.html"
  $py -m http.server --bind 127.0.0.1 --directory "$scratch/www" 0 >"$scratch/server.log" 2>&1 &
  server=$!
  port=
  for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$scratch/server.log")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$scratch/server.log"; echo "FAIL: the HTTP server did not start"; exit 1; }
  same /usr/bin/curl -sS "http://127.0.0.1:$port/index.html"
  same /usr/bin/curl -sS "http://localhost:$port/missing" -o /dev/null -w '%{http_code}\n'
  same /usr/bin/curl -sS "http://127.0.0.1:1/"
fi
echo "PASS"
