#!/usr/bin/env bash
# A/B of two versions of core/ inside one process: each source tree's
# build/core/libmaskd_core.a is linked into a shared object, and
# bench/ab_inproc/driver alternates the two on one body, chunk by chunk.
# Separate runs on this shared VM drift by 30% and more (bench/ab.sh's
# alternating processes still see it); inside one process both versions
# see the same drift. Prints per-body times and the median ratio NEW/OLD.
#
#   bench/ab_inproc.sh OLD_TREE NEW_TREE [BODY] [ITERATIONS] [CHUNKS]
#
# A tree: a checkout with a release build in build/ (for an old commit:
# git worktree add /tmp/base <rev> && cd /tmp/base &&
# meson setup build --buildtype=release && ninja -C build core/libmaskd_core.a).
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
old=$(realpath "$1") new=$(realpath "$2")
body=$(realpath "${3:-$here/../../shared/corpus/bench/002-medium.json}")
iterations=${4:-50} chunks=${5:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for v in old new; do
  tree=${!v}
  ninja -C "$tree/build" core/libmaskd_core.a >/dev/null
  g++ -O2 -fPIC -shared -std=c++20 -I"$tree" "$here/ab_inproc/wrap.cpp" \
    -o "$work/$v.so" -Wl,--whole-archive "$tree/build/core/libmaskd_core.a" \
    -Wl,--no-whole-archive -lhs -lsimdjson -lcrypto
done
g++ -O2 -std=c++20 "$here/ab_inproc/driver.cpp" -o "$work/driver" -ldl
cd "$work" && ./driver ./old.so ./new.so "$body" "$iterations" "$chunks"
