#!/bin/sh
# Checks that the fortified test code (test_fortified.cpp, built with -O2 -D_FORTIFY_SOURCE=2)
# calls the C library's fortified variants, which libeventlet_patch defines: otherwise its test
# would pass through the plain calls and prove nothing of them.
# usage: fortified_symbols.sh <nm> <the library built from test_fortified.cpp>
set -eu
undefined=$("$1" -u "$2" | awk '{print $NF}')
status=0
for name in __read_chk __recv_chk __recvfrom_chk __poll_chk __ppoll_chk; do
  if echo "$undefined" | grep -qx "$name"; then
    echo "$name: called"
  else
    echo "FAIL: $2 does not call $name (is it built fortified?)"
    status=1
  fi
done
exit $status
