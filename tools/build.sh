#!/usr/bin/env bash
# Configures and builds Bilevel Studio in build/ (Release).
#   tools/build.sh [TARGET...]   builds the given targets, or everything
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$root/build" -j"$(nproc)" "${targets[@]}"
