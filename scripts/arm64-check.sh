#!/usr/bin/env bash
# Issue 16's Arm64 step: the portability report (tests/Shared/PortableChecks.cs) on this machine and on linux-arm64,
# compared: int8 outputs bit for bit, float training within rounding. The Arm64 build is self-contained and runs under
# qemu-aarch64-static with Debian's arm64 cross libraries (.ci/run installs them where apt-get can):
#   apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
# Prints one line per comparison ("int8: identical", "float ...: agree") and exits non-zero on any difference.
set -uo pipefail
cd "$(dirname "$0")/.."
project=tests/NetGen.PortabilityCheck
out=${1:-TestResults/arm64}
mkdir -p "$out"
if ! command -v qemu-aarch64-static >/dev/null || [ ! -d /usr/aarch64-linux-gnu ]; then
  echo "arm64 check skipped: qemu-aarch64-static or the arm64 cross libraries (/usr/aarch64-linux-gnu) are missing"
  exit 2
fi
dotnet run --project "$project" -c Release --no-build > "$out/x64.txt" || exit 1
dotnet publish "$project" -c Release -p:Arm64=true -o "$out/publish" -nologo -v quiet > "$out/publish.log" 2>&1 || { cat "$out/publish.log"; exit 1; }
qemu-aarch64-static -L /usr/aarch64-linux-gnu "$out/publish/NetGen.PortabilityCheck" > "$out/arm64.txt" || exit 1
dotnet run --project "$project" -c Release --no-build -- --compare "$out/x64.txt" "$out/arm64.txt"
