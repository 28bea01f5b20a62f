#!/usr/bin/env bash
# Builds Newtonsoft.Json from its source with Mono and checks the recorded fixture cases against it (see README.md).
# Usage: tools/dotnet-oracle/run.sh <checkout of JamesNK/Newtonsoft.Json at tag 13.0.3> [work directory]
set -euo pipefail
source_dir=${1:?usage: run.sh <Newtonsoft.Json checkout at 13.0.3> [work directory]}
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
rm -rf "$work/src" && cp -r "$source_dir/Src/Newtonsoft.Json" "$work/src"
# The net45 target's feature switches, without async (mcs cannot build those files).
defines=$(grep -A2 "'\$(TargetFramework)'=='net45'" "$work/src/Newtonsoft.Json.csproj" |
  grep -o '<DefineConstants>[^<]*' | sed 's/<DefineConstants>//; s/\$(AdditionalConstants)//; s/HAVE_ASYNC;//; s/;$//')
python3 "$here/downlevel_newtonsoft.py" "$work/src" "$work/Newtonsoft.Json.dll" "$defines"
for harness in JsonPathCases BodyCases JsonPathRandom DateCases; do
  mcs -nowarn:0618 -out:"$work/$harness.exe" -r:"$work/Newtonsoft.Json.dll" -r:System.Numerics.dll "$here/$harness.cs"
done
python3 "$here/check_fixtures.py" "$work"
