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
# and the study of the follow-up paper ("--part followup"), on grey patches of the built-in images:
#   followup/  convex ridge regularizers (CRR-NN) and input-convex networks (ICNN) learned by ISGD
#              with constant or decreasing steps x constant, polynomial or logarithmic accuracies,
#              by Adam, and for inpainting; the Field of Experts and TV beside them
#   followup-*.png, followup-table.md, followup-baselines.txt
#
# usage: tools/reproduce-paper.sh [--cli PATH] [--scale S] [--device auto|cpu|cuda]
#                                 [--part all|paper|followup] [OUT]
#   --scale multiplies every budget (1 = the presets' 2e6 computations for denoising and 3e6 for
#   deblurring, 4e5 for each follow-up run; 0.05 gives runs of 2 to 10 minutes on a 2-core CPU,
#   docs/RESULTS.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli="$root/build/app/bilevel-cli"
scale=1
device=auto
part=all
out=results
while [ $# -gt 0 ]; do
  case "$1" in
    --cli) cli=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    --part) part=$2; shift 2 ;;
    -h|--help) sed -n 2,21p "$0"; exit 0 ;;
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
if [ "$part" != followup ]; then
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
fi

if [ "$part" != paper ]; then
fb=$(budget 400000)
echo "== Follow-up paper: CRR-NN and ICNN on grey patches, $fb computations each"
grey=(--set dataset.color=grey --set regularizer.channels=1)
label() {  # label MODEL STEPS ACCURACY: the legend's name of a grid run (ASCII, for the figures)
  local a=dec e
  [ "$2" = constant ] && a=fixed
  case $3 in constant) e=fixed ;; polynomial) e=poly ;; *) e=log ;; esac
  echo "${1^^} $a step, $e eps"
}
for model in crr icnn; do
  # The schedule grid with ISGD: the preset's step alpha0 constant or alpha0/sqrt(k+1), and the
  # accuracy 0.05 constant, 0.05/sqrt(k+1) or 0.05/log(k+e).
  for steps in constant polynomial; do
    for accuracy in constant polynomial logarithmic; do
      exponent=0.5
      [ "$accuracy" = logarithmic ] && exponent=1
      train "followup/$model-step-$steps-eps-$accuracy" "$model-denoise-isgd" "$fb" \
        --set step.kind=$steps --set accuracy.kind=$accuracy --set accuracy.exponent=$exponent \
        --set "name=$(label $model $steps $accuracy)"
    done
  done
  train "followup/$model-adam" "$model-denoise-adam" "$fb" --set "name=${model^^} Adam"
  train "followup/$model-inpaint" "$model-inpaint-adam" "$fb" --set "name=${model^^} inpaint"
  "$cli" plot "$out"/followup/$model-step-* "$out/followup/$model-adam" --x computations \
    --out "$out/followup-$model-schedules.png"
done
# The Field of Experts and smoothed TV on the same data, with Adam at their presets' steps.
train followup/foe-denoise crr-denoise-adam "$fb" --set regularizer.type=field_of_experts \
  "${grey[@]}" --set step.initial=0.05 --set "name=FoE Adam"
train followup/tv-denoise crr-denoise-adam "$fb" --set regularizer.type=total_variation \
  "${grey[@]}" --set step.initial=0.05 --set "name=TV Adam"
train followup/foe-inpaint crr-inpaint-adam "$fb" --set regularizer.type=field_of_experts \
  "${grey[@]}" --set step.initial=0.05 --set "name=FoE inpaint"
train followup/tv-inpaint crr-inpaint-adam "$fb" --set regularizer.type=total_variation \
  "${grey[@]}" --set step.initial=0.05 --set "name=TV inpaint"
"$cli" plot "$out"/followup/*-adam "$out"/followup/foe-denoise "$out"/followup/tv-denoise \
  --x computations --out "$out/followup-denoise.png"
"$cli" plot "$out"/followup/*-inpaint --x computations --out "$out/followup-inpaint.png"
"$cli" gallery "$out"/followup/*-adam "$out"/followup/foe-denoise "$out"/followup/tv-denoise \
  --image test:0 --final-only --out "$out/followup-gallery.png"
"$cli" evaluate "$out"/followup/* --device "$device" | tee "$out/followup-table.md"
{
  "$cli" baseline --preset crr-denoise-adam --method nlm
  "$cli" baseline --preset crr-inpaint-adam --method telea
} | tee "$out/followup-baselines.txt"
fi
echo "results in $out"
