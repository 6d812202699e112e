#!/usr/bin/env bash
# The main job: installs what it needs, builds the solution, and runs the demo (samples/Demo): a control plane,
# an upstream and gateway nodes as separate processes on loopback, walked through the outage scenarios.
# Exits non-zero if a phase fails. Arguments go to the demo: [--workspace DIR] [--storage s3://bucket/prefix | azure://container/prefix].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
dotnet build Resilience.sln -c Release -nologo -v quiet
dotnet samples/Demo/bin/Release/net10.0/Demo.dll "$@"
