#!/bin/sh
# Compiles a file that must not compile and checks that the compiler says why in a few lines
# with our message, not pages of template errors.
# usage: compile_fail.sh <source root> <file> <expected message> <compiler command...>
set -eu
root=$1
file=$2
expected=$3
shift 3
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if "$@" -std=c++20 -fsyntax-only -I"$root" "$file" 2>"$log"; then
  echo "FAIL: $file compiled"
  exit 1
fi
grep -q "$expected" "$log" || { echo "FAIL: the errors do not say \"$expected\":"; cat "$log"; exit 1; }
errors=$(grep -c "error:" "$log" || true)
[ "$errors" -eq 1 ] || { echo "FAIL: $errors errors, not 1:"; cat "$log"; exit 1; }
echo "ok: one error, naming the fix"
