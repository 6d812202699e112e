#!/usr/bin/env bash
# The cold path and the request path in the real sample processes (issue 23), not run by CI: minutes each, and
# their figures only mean something beside the load average they print.
#   bench/sample-processes.sh edit     [--runs N] [--edits N]      file landing on the ControlPlane -> Gateway routing
#   bench/sample-processes.sh restart  [--runs N]                  restart with the cache, control plane down -> first 200
#   bench/sample-processes.sh requests [--rounds N] [--seconds S]  wrk -t2 -c32 against the gateway and plain YARP
# Compare builds or runtime settings of the gateway in one run (they alternate):
#   --variant default --variant pgo-off:DOTNET_TieredPGO=0 --variant r2r:dll=/path/to/publish/Gateway.dll
#   (edit: controlplane=/path/to/ControlPlane.dll pairs a ControlPlane sample build with the variant)
# --r2r runs BOTH the gateway and plain YARP as ReadyToRun publishes for this machine's runtime (what a gateway should
# ship; their csproj turn it on when published with -r): compare it with a run without --r2r for the default build.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
r2r=false
for arg in "$@"; do
  if [[ "$arg" == "--r2r" ]]; then r2r=true; else args+=("$arg"); fi
done

if [[ "${1:-}" == "requests" || "${1:-}" == "all" ]] && ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

# The benchmark project builds the samples and bench/PlainYarp first (project references without their assemblies).
dotnet build bench/Resilience.Benchmarks/Resilience.Benchmarks.csproj -c Release -v q -nologo
if $r2r; then
  rid=$(dotnet --info | awk '$1 == "RID:" { print $2; exit }')
  published="$PWD/bench/Resilience.Benchmarks/bin/Release/r2r-$rid"
  dotnet publish samples/Gateway/Gateway.csproj -c Release -r "$rid" -o "$published/gateway" -v q -nologo
  dotnet publish bench/PlainYarp/PlainYarp.csproj -c Release -r "$rid" -o "$published/plain" -v q -nologo
  args+=(--gateway-dll "$published/gateway/Gateway.dll" --plain-dll "$published/plain/PlainYarp.dll")
fi
cd bench/Resilience.Benchmarks/bin/Release/net10.0
exec dotnet Resilience.Benchmarks.dll sample-processes "${args[@]}"
