#!/usr/bin/env bash
# `rampart rate` on a >= 1 GB usage CSV, beside a plain read of the same file (cat to
# /dev/null, the I/O limit) in the same run; prints MB/s and the ratio.
# Usage: bench/rate_throughput.sh BUILD_DIR [IPS]   (IPS 12500 makes ~1.1 GB)
set -euo pipefail
build=${1:?build dir}
ips=${2:-12500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bench/make_usage" "$work" "$ips"
bytes=$(stat -c %s "$work/usage.csv")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }')
echo "usage CSV: $mb MB, $((ips * 1440)) rows, $ips resources"

seconds() { local s=$(date +%s.%N); "$@"; awk -v s="$s" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }
cat "$work/usage.csv" >/dev/null  # warm the page cache for both
read_s=$(seconds sh -c "cat '$work/usage.csv' >/dev/null")
rate_s=$(seconds sh -c "'$build/src/app/rampart' rate -q --resources '$work/resources.json' \
  --usage '$work/usage.csv' --day 2026-11-26 -o '$work/bills.json' 2>'$work/rate.log'")
tail -n 1 "$work/rate.log"
awk -v mb="$mb" -v r="$read_s" -v t="$rate_s" 'BEGIN {
  printf "read (cat):   %7.0f MB/s  (%.2f s)\n", mb / r, r
  printf "rampart rate: %7.0f MB/s  (%.2f s)\n", mb / t, t
  printf "rate / read = %.0f %%\n", 100 * r / t
}'
