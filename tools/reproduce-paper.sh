#!/usr/bin/env bash
# Reproduces the experiments of "Bilevel Learning with Inexact Stochastic Gradients" (section 3)
# and the schedules of the follow-up paper with bilevel-cli, into OUT (default results/):
#   denoise/   FoE denoising: ISGD with fixed and decreasing steps, Adam, MAID at one budget
#   deblur/    FoE deblurring: ISGD on the whole set, MAID on a subset; ISGD with a larger step
#              and Adam
#   schedules/ decaying against fixed accuracy, decreasing against fixed steps
#   *.png      the figures, drawn by bilevel-cli plot and gallery
#   table.md   the mean test PSNR of every run (bilevel-cli evaluate); baselines.txt the classical
#              baselines
#
# usage: tools/reproduce-paper.sh [--cli PATH] [--scale S] [--device auto|cpu|cuda] [OUT]
#   --scale multiplies every budget (1 = the presets' 2e6 computations for denoising and 3e6 for
#   deblurring; 0.05 gives runs of 2 to 10 minutes on a 2-core CPU, docs/RESULTS.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli="$root/build/app/bilevel-cli"
scale=1
device=auto
out=results
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) cli=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) out=$1; shift ;;
  esac
done
budget() { python3 -c "print(max(1000, int($1 * $scale)))"; }
train() {  # train NAME PRESET BUDGET [--set ...]; keeps snapshots at 1%, 10% and 33% of BUDGET
  local name=$1 preset=$2 computations=$3; shift 3
  local snapshots
  snapshots=$(python3 -c "b = $computations; print([0, b // 100, b // 10, b // 3])")
  "$cli" train --preset "$preset" --computations "$computations" --device "$device" \
    --set "name=$name" --set "snapshots=$snapshots" --out "$out/$name" --overwrite "$@" |
    tail -n 3
}
mkdir -p "$out"
den=$(budget 2000000)
deb=$(budget 3000000)

echo "== FoE denoising, $den computations each"
train denoise/isgd-1e-5 foe-denoise-isgd-1e-5 "$den"
train denoise/isgd-1e-4 foe-denoise-isgd-1e-4 "$den"
train denoise/isgd-ds-1e-5 foe-denoise-isgd-ds-1e-5 "$den"
train denoise/isgd-ds-1e-4 foe-denoise-isgd-ds-1e-4 "$den"
train denoise/adam-1e-3 foe-denoise-isgd-1e-4 "$den" --set method=adam --set step.initial=1e-3
train denoise/maid-1e-3 foe-denoise-maid "$den"
"$cli" plot "$out"/denoise/* --x computations --out "$out/denoise-computations.png"
"$cli" plot "$out"/denoise/* --x epochs --out "$out/denoise-epochs.png"
"$cli" gallery "$out"/denoise/* --image train:40 --out "$out/denoise-gallery.png"

echo "== FoE deblurring, $deb computations each"
train deblur/isgd-ds-1e-5 foe-deblur-isgd-ds "$deb"
train deblur/maid-1e-4 foe-deblur-maid "$deb"
# Beyond the paper: the same ISGD with a ten times larger step, and Adam.
train deblur/isgd-ds-1e-4 foe-deblur-isgd-ds "$deb" --set step.initial=1e-4
train deblur/adam-1e-3 foe-deblur-isgd-ds "$deb" --set method=adam --set step.kind=constant \
  --set step.initial=1e-3
"$cli" plot "$out"/deblur/* --x epochs --out "$out/deblur-epochs.png"
"$cli" plot "$out"/deblur/* --x computations --out "$out/deblur-computations.png"
"$cli" gallery "$out"/deblur/* --image test:0 --final-only --out "$out/deblur-gallery.png"

echo "== Schedules of the follow-up paper, $den computations each"
# The fixed-accuracy runs are those of the denoising section, copied under their schedule names.
mkdir -p "$out/schedules"
while read -r name source; do
  rm -rf "${out:?}/schedules/$name"
  cp -r "$out/denoise/$source" "$out/schedules/$name"
  sed -i "s|\"name\": \"denoise/$source\"|\"name\": \"schedules/$name\"|" \
    "$out/schedules/$name/config.json"
done <<'PAIRS'
fixed-eps-fixed-step isgd-1e-4
fixed-eps-decreasing-step isgd-ds-1e-4
PAIRS
train schedules/decaying-eps-fixed-step foe-denoise-isgd-1e-4 "$den" \
  --set accuracy.kind=polynomial --set accuracy.exponent=0.5
train schedules/decaying-eps-decreasing-step foe-denoise-isgd-ds-1e-4 "$den" \
  --set accuracy.kind=polynomial --set accuracy.exponent=0.5
"$cli" plot "$out"/schedules/* --x computations --out "$out/schedules-computations.png"

echo "== Mean test PSNR of every run"
"$cli" evaluate "$out"/denoise/* "$out"/deblur/* "$out"/schedules/decaying-* --device "$device" |
  tee "$out/table.md"

echo "== Baselines"
{
  "$cli" baseline --preset foe-denoise-isgd-1e-4 --method nlm
  "$cli" baseline --preset foe-deblur-isgd-ds --method wiener
  "$cli" baseline --preset foe-deblur-isgd-ds --method richardson-lucy
} | tee "$out/baselines.txt"
echo "results in $out"
