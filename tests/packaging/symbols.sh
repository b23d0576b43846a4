#!/bin/sh
# Prints the dynamic symbols the shared library exports, sorted, and fails if one names
# something in one of our `detail` namespaces (eventlet::detail::, eventlet::hubs::detail::,
# ...) and is not allowed by the allowlist: symbols that public inline or template code needs.
# A function's parameters are not its name: hub::remove(hubs::detail::listener*) is hub's.
# The allowlist has one fixed string a line, allowing every symbol whose demangled name contains
# it; lines starting with # are comments.
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
