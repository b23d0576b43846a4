#!/usr/bin/env bash
# Checks that every C and C++ source of the tree is formatted as .clang-format says: prints
# the files that are not (with clang-format's first complaints) and fails if there is any.
# Usage: check.sh <source root> <clang-format>
set -euo pipefail
root=$1 clang_format=$2
cd "$root"
bad=0
while IFS= read -r -d '' f; do
  if ! "$clang_format" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: $clang_format -i $f)"
    "$clang_format" --dry-run "$f" 2>&1 | head -6
    bad=$((bad + 1))
  fi
done < <(find . \( -path './build*' -o -path './.git' -o -path './include' -o -path './subprojects' \) -prune \
           -o -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.c' -o -name '*.h' \) -print0 | sort -z)
echo "$bad file(s) not formatted"
[ "$bad" -eq 0 ]
