#!/usr/bin/env bash
# Packs the GPU proof for a machine that has an NVIDIA GPU and PyTorch but no .NET (docs/GPU.md):
#   .device/dotnet-runtime.tar.xz   the .NET runtime of this machine (dotnet, host/, shared/Microsoft.NETCore.App/<version>)
#   .device/apps.tar.xz             framework-dependent publishes of the Trainers tests and the benchmarks, without a libtorch
#                                   of their own (LrSchedNoLibtorch=true: no TorchSharp-cpu; the machine's PyTorch provides it)
#   .device/gpu-run.sh              the runner (scripts/gpu-run.sh)
# Usage: scripts/gpu-proof.sh [output folder, default .device]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.device}
dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}
runtime=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
[ -n "$runtime" ] || { echo "no .NET runtime under $dotnet_root/shared/Microsoft.NETCore.App" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
staging=$(mktemp -d)
# Build outputs outside the repository and kept between runs (a second pack is incremental).
artifacts=${LRSCHED_PROOF_ARTIFACTS:-${TMPDIR:-/tmp}/lrsched-gpu-proof-$(printf %s "$root" | md5sum | cut -c1-8)}
trap 'rm -rf "$staging"' EXIT

echo "== .NET runtime $runtime from $dotnet_root"
tar -C "$dotnet_root" -cJf "$out/dotnet-runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$runtime"

# Separate artifacts: the restore without TorchSharp-cpu must not replace the regular builds' obj/ folders.
for project in tests/MLNet.LrSchedules.Trainers.Tests bench/MLNet.LrSchedules.Benchmarks; do
  name=$(basename "$project")
  echo "== publish $name (framework-dependent, no libtorch)"
  dotnet publish "$root/$project" -c Release --no-self-contained -p:LrSchedNoLibtorch=true \
    --artifacts-path "$artifacts" -o "$staging/apps/$name" -nologo -v quiet
  # Native assets of other platforms (SkiaSharp, ML.NET, ...) are dead weight on linux-x64.
  if [ -d "$staging/apps/$name/runtimes" ]; then
    find "$staging/apps/$name/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
  fi
  if ls "$staging/apps/$name" "$staging/apps/$name/runtimes/linux-x64/native" 2>/dev/null | grep -qE '^lib(torch|c10)'; then
    echo "error: $name still ships a libtorch; PyTorchBackend would refuse it" >&2; exit 1
  fi
done
# The two apps share most files: identical ones become hard links, which tar stores once.
(cd "$staging/apps/MLNet.LrSchedules.Benchmarks" && find . -type f | while read -r file; do
  other="../MLNet.LrSchedules.Trainers.Tests/$file"
  if [ -f "$other" ] && cmp -s "$file" "$other"; then ln -f "$other" "$file"; fi
done)
tar -C "$staging/apps" -cJf "$out/apps.tar.xz" .
cp "$root/scripts/gpu-run.sh" "$out/gpu-run.sh"
chmod +x "$out/gpu-run.sh"
du -ch "$out"/* | sed 's/^/   /'
echo "== packed into $out; on the GPU machine: OUT=<results folder> bash .device/gpu-run.sh"
