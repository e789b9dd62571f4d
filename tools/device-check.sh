#!/usr/bin/env bash
# The one prepared check of the CUDA backend on a machine with a GPU, in two halves.
#
#   tools/device-check.sh pack [BUILD_DIR]
#       Here (the build machine): configures BUILD_DIR (default: build-device) as a lean CUDA
#       build, builds the GPU suites and bilevel-cli there and packs them with
#       ../shared/device/bundle.sh into .devbundle/, which travels with the working tree. Lean:
#       PNG files only through libpng (BILEVEL_IMAGE_CODECS=png) and no MPI, since OpenCV's
#       imgcodecs alone brings 31 MiB of libraries and the working tree that travels is limited
#       to 64 MiB; the bundle is refused when it would not fit.
#
#   tools/device-check.sh run [REPORT]
#       On the GPU machine, from the project root: runs every GPU suite, the backends the CLI
#       reports, `bilevel-cli bench --device cuda` for every regularizer at 96 and 256 pixels
#       (B = 32), and the quick preset on the GPU (no fallback to the CPU). Each step is
#       time-limited and its exit code recorded (77: a suite skipped every case); nothing stops
#       the report. The whole check stays within DEVICE_CHECK_SECONDS
#       (default 540, under one device call); steps it had no time for are listed as not run.
#       REPORT defaults to $OUT/device-check.md, else device-check.md. Exit code: 0 when every
#       step passed, 1 otherwise.
#
# A device run reads: run(command="bash tools/device-check.sh run", carry=[".devbundle"]).
# docs/BENCHMARKS.md keeps the reports.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

suites=(test_cuda_bodies test_cuda_ops test_cuda_oracle test_backend_selection test_resume)
regularizers=(field_of_experts total_variation convex_ridge input_convex)

pack() {
  local build=${1:-build-device}
  set -e
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBILEVEL_WITH_CUDA=ON \
    -DBILEVEL_WITH_MPI=OFF -DBILEVEL_IMAGE_CODECS=png >/dev/null
  cmake --build "$build" --target "${suites[@]}" bilevel-cli || {
    echo "device-check: building the GPU suites in $build failed (a CUDA build needs" \
      "-DBILEVEL_WITH_CUDA=ON and nvcc)" >&2
    exit 2
  }
  local exes=(app/bilevel-cli)
  local s
  for s in "${suites[@]}"; do
    exes+=("$(cd "$build" && find tests -type f -name "$s" -perm -u+x | head -1)")
  done
  ../shared/device/bundle.sh "${exes[@]/#/$build/}"
  # What travels: tracked and untracked files that git does not ignore, and the bundle.
  local tree bundle
  tree=$( (git ls-files -z; git ls-files -z --others --exclude-standard) | xargs -0 du -cb 2>/dev/null |
    tail -1 | cut -f1)
  bundle=$(du -cb .devbundle | tail -1 | cut -f1)
  echo "device-check: $(((tree + bundle) >> 20)) MiB would travel (limit 64 MiB)"
  if [ $((tree + bundle)) -ge $((64 << 20)) ]; then
    echo "device-check: too large to travel" >&2
    exit 1
  fi
}

run_step() {  # run_step SECONDS TITLE COMMAND...
  local limit=$1 title=$2
  shift 2
  local left=$((deadline - $(date +%s)))
  if [ $left -lt 10 ]; then
    failed=$((failed + 1))
    printf '## %s\n\nnot run: the check ran out of its %d s\n\n' "$title" "$budget" >>"$report"
    printf '%-60s not run (out of time)\n' "$title"
    return
  fi
  [ $left -lt "$limit" ] && limit=$left
  local log start rc ms
  log=$(mktemp)
  start=$(date +%s%N)
  timeout "$limit" "$@" >"$log" 2>&1
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  # A suite that skipped its cases for want of a device checked nothing: a failure of the check.
  local note=""
  [ $rc -eq 124 ] && note=" (time limit)"
  if [ $rc -eq 0 ] && grep -q '^SKIP .*no CUDA device' "$log"; then
    note=" (skipped: the suite found no usable device)"
    rc=77
  fi
  [ $rc -eq 0 ] || failed=$((failed + 1))
  {
    printf '## %s\n\n`%s` -> exit %d in %d.%01d s%s\n\n```\n' "$title" "$*" $rc $((ms / 1000)) \
      $((ms % 1000 / 100)) "$note"
    tail -n 40 "$log"
    printf '```\n\n'
  } >>"$report"
  printf '%-60s exit %d%s\n' "$title" $rc "$note"
  rm -f "$log"
}

run_all() {
  report=${1:-${OUT:+$OUT/}device-check.md}
  failed=0
  budget=${DEVICE_CHECK_SECONDS:-540}
  deadline=$(($(date +%s) + budget))
  [ -x .devbundle/run.sh ] || { echo "device-check: no .devbundle/ (run 'pack' first)" >&2; exit 2; }
  local exe="bash .devbundle/run.sh"
  {
    echo "# Device check, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo '```'
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | head -3
    echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo '```'
    echo
  } >"$report"
  run_step 60 "Backends" $exe bilevel-cli --version
  local s
  for s in "${suites[@]}"; do
    run_step 150 "Suite $s" $exe "$s"
  done
  local r size
  for r in "${regularizers[@]}"; do
    for size in 96 256; do
      run_step 60 "bench --device cuda --regularizer $r --size $size --batch 32" \
        $exe bilevel-cli bench --device cuda --regularizer "$r" --size "$size" --batch 32
    done
  done
  run_step 150 "train --preset quick --device cuda" \
    $exe bilevel-cli train --preset quick --device cuda --set allow_cpu_fallback=false \
    --out "${TMPDIR:-/tmp}/device-check-quick" --overwrite
  echo "$failed step(s) failed" | tee -a "$report"
  [ $failed -eq 0 ]
}

case ${1:-} in
  pack) shift && pack "$@" ;;
  run) shift && run_all "$@" ;;
  *) sed -n '2,23p' "$0" && exit 2 ;;
esac
