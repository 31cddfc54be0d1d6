#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs the masking fuzzer for SECONDS (default 60) on a corpus seeded from
# ../shared/corpus (copied: the shared corpus is read-only).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
tools/setup.sh
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    { apt-get update -q >/dev/null && apt-get install -y -q "$p" >/dev/null; }
done
if [ ! -f build-fuzz/build.ninja ]; then
  # Coverage instrumentation on every target (core included), sanitizers and
  # the C++ library's bounds checks on.
  CC=clang CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized \
    -Dfuzz=true -Dserver=false -Dbench=false -Dmimalloc=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dcpp_args=-fsanitize=fuzzer-no-link -D_GLIBCXX_ASSERTIONS" >/dev/null
fi
ninja -C build-fuzz tests/fuzz/fuzz_mask
seeds=$(mktemp -d)
cp ../shared/corpus/public/*-small.json ../shared/corpus/langfuse/*.json "$seeds"/ 2>/dev/null || true
cp tests/core/regressions/*.json "$seeds"/
rm -f "$seeds"/*.manifest.json
# A failing input lands in build-fuzz/artifacts/ (not the checkout); keep it
# in tests/core/regressions/ under a name that says what it caught.
mkdir -p build-fuzz/artifacts
build-fuzz/tests/fuzz/fuzz_mask -max_total_time="$seconds" -max_len=8192 \
  -timeout=10 -artifact_prefix=build-fuzz/artifacts/ "$seeds"
