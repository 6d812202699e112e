#!/usr/bin/env bash
# Runs every test: installs what the tests need, builds the solution, runs each test project,
# and ends with the line CI reads: "tests: N passed, N failed, N skipped".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/setup.sh || exit 1

results="$root/.tmp/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build Resilience.sln -c Release -nologo -v quiet || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo -f net10.0 \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=1
  # A project that also targets net8.0 runs against the net8.0 library build too (its #if branches), on the
  # installed .NET 10 runtime: only that runtime is here, and DOTNET_ROLL_FORWARD=Major lets net8.0 run on it.
  if grep -q '<TargetFrameworks>[^<]*net8\.0' "$project"; then
    echo "== $name (net8.0)"
    DOTNET_ROLL_FORWARD=Major dotnet test "$project" -c Release --no-build -nologo -f net8.0 \
      --logger "trx;LogFileName=$name.net8.0.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=true || status=1
  fi
done

# The README's demo must keep working: it runs here too and counts as one check.
demo_passed=0; demo_failed=0
echo "== demo (samples/Demo)"
if dotnet samples/Demo/bin/Release/net10.0/Demo.dll --workspace "$root/.tmp/demo"; then demo_passed=1; else demo_failed=1; status=1; fi
rm -rf "$root/.tmp/demo"

# Trimming: a trimmed publish that analyses Core, LMDB and the WebSocket link whole, then runs; one check too.
trim_passed=0; trim_failed=0
echo "== trimming (tests/Resilience.Trimming)"
if bash scripts/check-trimming.sh; then trim_passed=1; else trim_failed=1; status=1; fi

passed=$((demo_passed + trim_passed)); failed=$((demo_failed + trim_failed)); skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  x=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${t:-0} - ${x:-0}))
done
[ "$failed" -gt 0 ] && status=1
[ "$passed" -eq 0 ] && status=1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
