#!/bin/sh
# Prints the dynamic symbols the shared library exports, sorted, and fails if one names
# something in one of our `detail` namespaces (eventlet::detail::, eventlet::hubs::detail::,
# ...) and is not allowed by the allowlist: symbols that public inline or template code needs.
# A function's parameters are not its name: hub::remove(hubs::detail::listener*) is hub's.
# The allowlist has one fixed string a line, allowing every symbol whose demangled name contains
# it; lines starting with # are comments.
# It also fails if the library defines a C library call that libeventlet_patch interposes:
# linking libeventlet alone must change no C library call.
# usage: symbols.sh <libeventlet.so> <allowlist>
set -eu
symbols=$(nm -DC --defined-only "$1" | cut -d' ' -f3- | sort -u)
echo "$symbols"
echo "$symbols" | grep -q '^eventlet::' ||
  { echo "FAIL: nothing in eventlet:: is exported"; exit 1; }
detail=$(echo "$symbols" | sed 's/(.*//' | grep -E 'eventlet::([A-Za-z0-9_]+::)*detail::' || true)
allowed=$(grep -v -e '^#' -e '^$' "$2" || true)
if [ -n "$allowed" ]; then
  detail=$(echo "$detail" | grep -vF "$allowed" || true)
fi
if [ -n "$detail" ]; then
  echo "FAIL: exported from a detail namespace and not in $2:"
  echo "$detail"
  exit 1
fi

interposed='read write readv writev recv send recvfrom sendto recvmsg sendmsg accept accept4 connect
  poll ppoll select pselect epoll_wait sleep usleep nanosleep clock_nanosleep socket socketpair pipe
  pipe2 dup dup2 dup3 close fcntl fcntl64 ioctl setsockopt getaddrinfo gethostbyname gethostbyname2
  gethostbyname_r gethostbyname2_r __read_chk __recv_chk __recvfrom_chk __poll_chk __ppoll_chk'
defined=$(nm -D --defined-only "$1" | awk '{print $3}')
for name in $interposed; do
  if echo "$defined" | grep -qx "$name"; then
    echo "FAIL: $1 defines $name, which only libeventlet_patch may interpose"
    exit 1
  fi
done
