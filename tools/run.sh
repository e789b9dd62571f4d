#!/usr/bin/env bash
# Installs what is missing, builds, and starts the main job on the built-in default data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/install-deps.sh"
"$root/tools/build.sh" bilevel-cli
exec "$root/build/app/bilevel-cli" train --preset quick "$@"
