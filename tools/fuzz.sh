#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and
# runs one for SECONDS (default 60):
#   tools/fuzz.sh [SECONDS] [mask|http]
# mask (default): the masking pass, on a corpus seeded from ../shared/corpus
# (copied: the shared corpus is read-only) and tests/core/regressions/;
# http: the HTTP request parser of net/, fed whole and in pieces, seeded
# with a few requests of the shapes the server takes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
target=${2:-mask}
case "$target" in mask | http) ;; *)
  echo "usage: tools/fuzz.sh [SECONDS] [mask|http]" >&2
  exit 2
  ;;
esac
tools/setup.sh
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    { apt-get update -q >/dev/null && apt-get install -y -q "$p" >/dev/null; }
done
if [ ! -f build-fuzz/build.ninja ]; then
  # Coverage instrumentation on every target (core included), sanitizers and
  # the C++ library's bounds checks on.
  CC=clang CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized \
    -Dfuzz=true -Dserver=true -Dbench=false -Dmimalloc=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dcpp_args=-fsanitize=fuzzer-no-link -D_GLIBCXX_ASSERTIONS" \
    -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
# A build-fuzz/ set up before the HTTP target existed had the server off
# (and llhttp's C sources, without coverage, would leave the fuzzer blind).
meson configure build-fuzz -Dserver=true -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
ninja -C build-fuzz "tests/fuzz/fuzz_$target"
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
if [ "$target" = mask ]; then
  cp ../shared/corpus/public/*-small.json ../shared/corpus/langfuse/*.json "$seeds"/ 2>/dev/null || true
  cp tests/core/regressions/*.json "$seeds"/
  rm -f "$seeds"/*.manifest.json
else
  # The first byte of an input is the piece size the parser is fed in.
  printf '\x03POST /mask?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n[1,2,3]' >"$seeds/post"
  printf '\x05POST /mask HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n3\r\n[1]\r\n0\r\n\r\n' >"$seeds/chunked"
  printf '\x07GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.0\r\n\r\nPOST /mask HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}' >"$seeds/pipelined"
fi
# A failing input lands in build-fuzz/artifacts/ (not the checkout); keep it
# in tests/core/regressions/ under a name that says what it caught.
mkdir -p build-fuzz/artifacts
dict=()
[ "$target" = mask ] && dict=(-dict=tests/fuzz/mask.dict)
build-fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -max_len=8192 \
  -timeout=10 -artifact_prefix=build-fuzz/artifacts/ "${dict[@]}" "$seeds"
