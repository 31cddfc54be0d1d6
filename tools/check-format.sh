#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted as .clang-format says.
# `clang-format -i $(git ls-files '*.cpp' '*.h')` fixes it.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.h' 2>/dev/null || find core net src tests bench -name '*.cpp' -o -name '*.h')
clang-format --dry-run --Werror $files
