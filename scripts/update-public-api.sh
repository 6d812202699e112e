#!/usr/bin/env bash
# Records the public API of every package in its PublicAPI.Unshipped.txt after a deliberate API
# change (the analyzer's own code fix, through dotnet format); review the diff before committing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for project in "$root"/src/*/*.csproj; do
  dir=$(dirname "$project")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  # Regenerate from scratch: the analyzer code fix only fills a file that is in step with the code.
  printf "#nullable enable\n" > "$dir/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$project" --diagnostics RS0016 RS0017 --severity info -v q
  echo "$(basename "$dir"): $(grep -vc '^#' "$dir/PublicAPI.Unshipped.txt") public symbols"
done
