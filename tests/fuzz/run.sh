#!/usr/bin/env bash
# Builds the parser's libFuzzer targets (fuzz_request, fuzz_response, fuzz_chunked) with clang++,
# AddressSanitizer and UndefinedBehaviorSanitizer, and runs each for a bounded time on its seed
# corpus (corpus/<target>/, in the repository; never written to). Inputs the fuzzer finds go to
# <scratch>/found/<target>/, a failing input to <scratch>/crashes/. Prints each target's
# executions; exits 1 on a failure, 77 (meson's "skipped") if clang++ or libFuzzer is missing.
# Usage: run.sh <source root> <scratch dir> [seconds per target, default $FUZZ_SECONDS or 20]
set -euo pipefail
src=$1 work=$2 seconds=${3:-${FUZZ_SECONDS:-20}}
cxx=${CLANGXX:-clang++}
mkdir -p "$work/obj" "$work/crashes"

if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: skipped, $cxx is not installed (Debian: apt install clang libclang-rt-14-dev)"
  exit 77
fi
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
  >"$work/probe.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$work/probe.cpp" -o "$work/probe" \
  2>"$work/probe.log"; then
  echo "fuzz: skipped, $cxx cannot link a libFuzzer program" \
    "(Debian: apt install libclang-rt-14-dev):"
  head -5 "$work/probe.log"
  exit 77
fi

flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
  -fno-sanitize-recover=all -I"$src")
objects=()
for f in http/headers.cpp http/parser.cpp http/chunked.cpp http/detail/fields.cpp \
  tests/http/transcript.cpp; do
  o="$work/obj/$(basename "$f" .cpp).o"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src/$f" -o "$o"
  objects+=("$o")
done

status=0
for target in request response chunked; do
  exe="$work/fuzz_$target"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$target.cpp" "${objects[@]}" \
    -o "$exe"
  mkdir -p "$work/found/$target"
  log="$work/fuzz_$target.log"
  if "$exe" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/crashes/$target-" "$work/found/$target" \
    "$src/tests/fuzz/corpus/$target" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz_$target: $runs executions in ${seconds} s, $cov," \
      "$(ls "$work/found/$target" | wc -l) inputs in $work/found/$target"
  else
    status=1
    echo "fuzz_$target FAILED (log: $log):"
    grep -v '^#' "$log" | tail -40
    echo "reproduce: $exe $work/crashes/$target-*"
  fi
done
exit $status
