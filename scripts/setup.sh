#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build, and run the main job:
# the mail's races and the benign library, each judged against its [expect].
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/pagerace check --expect $(build/release/pagerace list --names)
