#!/usr/bin/env bash
# Installs what is missing, builds, and starts the main job on the built-in default data: the
# desktop application with the quick preset (the embedded photographs), training at once.
# Without a display (neither DISPLAY nor WAYLAND_DISPLAY set) it runs the same training headless
# instead, with bilevel-cli train --preset quick, and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh"
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  "$root/tools/build.sh" bilevel-studio
  exec "$root/build/app/bilevel-studio" --preset quick --train "$@"
fi
echo "run.sh: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so the desktop" \
  "application cannot open; running the same training headless: bilevel-cli train --preset quick" >&2
"$root/tools/build.sh" bilevel-cli
exec "$root/build/app/bilevel-cli" train --preset quick "$@"
