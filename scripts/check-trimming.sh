#!/usr/bin/env bash
# The trim-analysis check: publishes tests/Resilience.Trimming trimmed (ILLink over the whole of Core, LMDB and the
# WebSocket link; any IL2xxx warning fails the publish) and runs the trimmed app, which binds and validates every
# package's options. The libraries' own builds fail on IL2026/IL3050 already (IsAotCompatible, warnings as errors).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.tmp/trimming"
rm -rf "$out"
dotnet publish "$root/tests/Resilience.Trimming/Resilience.Trimming.csproj" -c Release -nologo -v quiet -o "$out"
"$out/Resilience.Trimming"
