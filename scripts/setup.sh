#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, and run the main job:
# every built-in scenario (the mail's races, the fix lab's scenarios, the
# benign library) under every kernel variant, each cell judged against the
# scenario's [expect] and [expect.liveness] (docs/FIXES.md reads the table).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/pagerace matrix
