#!/usr/bin/env bash
# The main job: installs what it needs, builds, and runs the demo. Exits non-zero if a phase fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
dotnet run --project samples/ChainDemo -c Release -- "$@"
