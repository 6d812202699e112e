#!/usr/bin/env bash
# Packs every library (src/*/*.csproj) into artifacts/packages: one .nupkg and one .snupkg each, Release.
# Usage: scripts/pack.sh [--version 1.2.3] [--output dir] [--official] [-- extra dotnet pack arguments]
#   --version   package version (default: <Version> in Directory.Build.props)
#   --official  SourceLink and repository metadata (-p:OfficialBuild=true); needs a clone whose origin is the
#               hosted repository, or pass -- -p:RepositoryUrl=<url>
# Zip timestamps are the last commit's time, so the same commit packs the same bytes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

output="$root/artifacts/packages"
props=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) props+=("-p:Version=$2"); shift 2 ;;
    --output) output=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --official) props+=("-p:OfficialBuild=true"); shift ;;
    --) shift; props+=("$@"); break ;;
    *) echo "pack: unknown argument $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
if timestamp=$(git -C "$root" log -1 --format=%ct 2>/dev/null) && [ -n "$timestamp" ]; then
  props+=("-p:DeterministicTimestamp=$timestamp")
fi

# One solution of the libraries only, so tests, samples and benchmarks are not built; new src projects join by themselves.
work="$root/.tmp/pack"
mkdir -p "$work" "$output"
projects=(src/*/*.csproj)
{
  echo "<Solution>"
  for project in "${projects[@]}"; do echo "  <Project Path=\"../../$project\" />"; done
  echo "</Solution>"
} > "$work/libraries.slnx"

rm -f "$output"/*.nupkg "$output"/*.snupkg
dotnet pack "$work/libraries.slnx" -c Release -o "$output" -nologo -v quiet "${props[@]}"

status=0
for project in "${projects[@]}"; do
  id=$(basename "$project" .csproj)
  for ext in nupkg snupkg; do
    if ! compgen -G "$output/$id.[0-9]*.$ext" >/dev/null; then echo "pack: no $id .$ext" >&2; status=1; fi
  done
done
echo "pack: $output"
(cd "$output" && ls -1 -- *.nupkg *.snupkg)
exit $status
