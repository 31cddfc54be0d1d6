#!/usr/bin/env bash
# The two entry points of the README:
#   tools/dev.sh run   [maskd serve flags...]  install, build, run the server
#   tools/dev.sh test                          install, build, run every test
# BUILD_DIR (default: build) selects the meson build directory.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${BUILD_DIR:-build}

tools/setup.sh
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release >/dev/null
fi
ninja -C "$build" --quiet

case "${1:-}" in
  run)
    shift
    exec "$build/src/maskd" serve "$@"
    ;;
  test)
    shift
    meson test -C "$build" --print-errorlogs --num-processes 2 "$@"
    # The core tests once more with AddressSanitizer and UBSan (the fast
    # paths read into the input's padding: a read past it must fail here)
    # and the C++ library's bounds checks (string_view/vector indexing: a
    # read past a view that stays inside its buffer is invisible to ASan).
    checked="$build-checked"
    checked_opts=(-Db_sanitize=address,undefined
      "-Dcpp_args=-D_GLIBCXX_ASSERTIONS -fno-sanitize-recover=undefined"
      -Dserver=false -Dbench=false)
    if [ ! -f "$checked/build.ninja" ]; then
      meson setup "$checked" --buildtype=debugoptimized "${checked_opts[@]}" >/dev/null
    else
      meson configure "$checked" "${checked_opts[@]}" >/dev/null
    fi
    ninja -C "$checked" --quiet
    meson test -C "$checked" --print-errorlogs --num-processes 2 \
      --suite core --no-suite slow
    ;;
  *)
    echo "usage: tools/dev.sh run|test" >&2
    exit 2
    ;;
esac
