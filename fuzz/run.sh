#!/usr/bin/env bash
# One timed libFuzzer run: run.sh BINARY SECONDS WORKDIR SEED_DIR...
# The corpus grows in WORKDIR/corpus (fresh each run, so the run is the same
# from a clean checkout); the seed directories are only read. A crash leaves
# its input in WORKDIR/artifacts and fails the run.
set -euo pipefail
bin=$1 seconds=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
seeds=()
for d in "$@"; do
  [[ -d $d ]] && seeds+=("$d")
done
exec "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "${seeds[@]}"
