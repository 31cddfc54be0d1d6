#!/usr/bin/env bash
# Alternating A/B of two bench_core binaries: runs A, then B, ROUNDS times,
# and prints the best time per benchmark of each. Alternating cancels most
# of the drift of a shared VM; the minimum is the least disturbed run.
#
#   bench/ab.sh OLD/bench_core NEW/bench_core [FILTER] [ROUNDS]
#
# A baseline binary: git worktree add /tmp/base <rev> && cd /tmp/base &&
# meson setup build --buildtype=release && ninja -C build bench/bench_core
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
a=$1 b=$2 filter=${3:-.} rounds=${4:-5}
here=$(cd "$(dirname "$0")" && pwd)
export MASKD_CORPUS=${MASKD_CORPUS:-$(realpath -m "$here/../../shared/corpus")}
for _ in $(seq "$rounds"); do
  for bin in "$a" "$b"; do
    "$bin" --benchmark_min_time=0.3 --benchmark_filter="$filter" 2>/dev/null |
      awk -v b="$bin" '/^bm_mask/ { print b, $1, $2 }'
  done
done | awk '{ k = $2 " " $1; if (!(k in m) || $3 < m[k]) m[k] = $3 }
            END { for (k in m) print k, m[k], "ns" }' | sort
