#!/usr/bin/env bash
# Smoke test of the HTTP benchmark (tools/http_bench), so that it cannot rot unseen: a 0.3 s
# run of the hello scenario on the raw responder and on a second copy of it given with
# --server. Passes if http_bench exits 0 (every server measured, no errors counted by wrk) and
# its table has a row for each with a nonzero request count. The figures are not judged.
# Usage: check.sh, with HTTP_BENCH and RAW_HTTP (the programs' paths) in the environment.
set -uo pipefail
out=$("$HTTP_BENCH" --seconds 0.3 --scenario hello --server "copy=$RAW_HTTP --port {port}")
status=$?
echo "$out"
[ "$status" -eq 0 ] || { echo "FAIL: http_bench exited with status $status"; exit 1; }
for server in raw_http copy; do
  # The row: scenario, conns, server, requests, ...
  echo "$out" | awk -v server="$server" '
    $1 == "hello" && $3 == server { gsub(",", "", $4); if ($4 + 0 > 0) found = 1 }
    END { exit !found }' || { echo "FAIL: no row with requests for $server"; exit 1; }
done
echo "ok"
