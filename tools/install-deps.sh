#!/usr/bin/env bash
# Installs the Debian 12 packages Bilevel Studio builds with, skipping those already present.
# dpkg-dev builds the .deb (cpack -G DEB); appstream and desktop-file-utils check the desktop
# metadata in the tests; xvfb and xauth run the application without a screen (docs/screenshot.png);
# Open MPI builds and tests data-parallel training (mpirun -np N bilevel-cli train ...).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-format
  qt6-base-dev qt6-base-dev-tools libgl-dev
  libeigen3-dev nlohmann-json3-dev python3-numpy
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-photo-dev libpng-dev
  libqcustomplot-dev libqcustomplot2.1-qt6
  qt6-svg-dev qt6-qpa-plugins
  dpkg-dev appstream desktop-file-utils xvfb xauth
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all build dependencies are present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
