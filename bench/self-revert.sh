#!/usr/bin/env bash
# Self-revert in the real sample processes (issue 19), not run by CI: minutes, and the figures only mean something beside
# the load average they print. The ControlPlane sample publishes the file it watches to the Gateway sample (real
# mutual-TLS link, real upstream); under load, the file becomes a configuration whose routes point at a closed port.
# The gateway runs with its bake on (the sample's appsettings) and off (Resilience:Bake:Enabled=false), alternating,
# fresh processes for every run. Prints the failed requests with against without (goal <= 1/5) and the time from the
# first failed request to the previous configuration serving again (goal <= the bake's detection window + 1 s).
#   bench/self-revert.sh [--runs N] [--workers N] [--observe S] [--window S] [--minimum N]
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark project builds the samples first (project references without their assemblies).
dotnet build bench/Resilience.Benchmarks/Resilience.Benchmarks.csproj -c Release -v q -nologo
cd bench/Resilience.Benchmarks/bin/Release/net10.0
exec dotnet Resilience.Benchmarks.dll self-revert "$@"
