#!/usr/bin/env python3
"""Counts test results across build directories from meson's testlog.json: each doctest run
contributes its test cases; any other test counts as one. A run that failed without a doctest
failure (a crash, a timeout) counts one failure more. Prints 'N passed, N failed' last and
exits non-zero if anything failed or nothing ran."""
import json
import re
import sys

DOCTEST = re.compile(r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")


def count(path):
    passed = failed = 0
    with open(path) as log:
        for line in log:
            entry = json.loads(line)
            result = entry.get("result")
            if result == "SKIP":
                continue
            ok = result in ("OK", "EXPECTEDFAIL")
            found = DOCTEST.findall(entry.get("stdout", ""))
            if found:
                p = sum(int(f[1]) for f in found)
                f = sum(int(f[2]) for f in found)
                passed += p
                failed += f if (f or ok) else 1
            elif ok:
                passed += 1
            else:
                failed += 1
            if not ok:
                print(f"FAILED: {path.split('/')[0]}: {entry.get('name')} ({result})")
    return passed, failed


def main(dirs):
    passed = failed = 0
    for d in dirs:
        try:
            p, f = count(f"{d}/meson-logs/testlog.json")
        except FileNotFoundError:
            print(f"FAILED: {d}: no test log")
            p, f = 0, 1
        print(f"{d}: {p} passed, {f} failed")
        passed, failed = passed + p, failed + f
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
