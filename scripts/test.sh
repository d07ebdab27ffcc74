#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build with warnings as errors,
# run the whole test suite; then the same under ASan + UBSan; then the tests
# that use threads under ThreadSanitizer; then each libFuzzer target for 30 s
# (fuzz/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan
cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest --preset tsan
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz
