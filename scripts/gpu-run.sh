#!/usr/bin/env bash
# Runs the GPU proof from the folder scripts/gpu-proof.sh packed (docs/GPU.md), on a machine with PyTorch and no .NET:
# unpacks the .NET runtime and the apps, finds PyTorch's torch/lib through python3 (or LRSCHED_TORCH_LIB / --torch-lib DIR),
# runs the GPU tests (tests/.../Gpu: skipped with their reason where CUDA is not available) and the gpu benchmark.
# Results under $OUT (default <this folder>/results): machine.txt, gpu-tests.log, gpu-benchmark.md/.log, summary.txt.
# Exit status: 0 when the tests pass (skips included) and the benchmark ran.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/results}
mkdir -p "$out"
torch_lib=${LRSCHED_TORCH_LIB:-}
if [ "${1:-}" = "--torch-lib" ]; then torch_lib=$2; fi

for packed in dotnet-runtime.tar.xz apps.tar.xz; do
  [ -f "$here/$packed" ] || { echo "error: $here/$packed not found: run scripts/gpu-proof.sh first, then this script from the folder it writes (.device/)" >&2; exit 2; }
done
# Unpacked outside the packed folder, which must stay small enough for the device tool to carry.
work=${LRSCHED_DEVICE_WORK:-${TMPDIR:-/tmp}/lrsched-gpu-run}
if [ ! -x "$work/dotnet/dotnet" ] || [ "$here/apps.tar.xz" -nt "$work/.stamp" ]; then
  rm -rf "$work" && mkdir -p "$work/dotnet" "$work/apps"
  tar -C "$work/dotnet" -xJf "$here/dotnet-runtime.tar.xz" && tar -C "$work/apps" -xJf "$here/apps.tar.xz" \
    || { echo "error: unpacking failed" >&2; exit 2; }
  touch "$work/.stamp"
fi
export DOTNET_ROOT="$work/dotnet" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet="$work/dotnet/dotnet"

if [ -z "$torch_lib" ]; then
  torch_lib=$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))" 2>"$out/python.err") || torch_lib=""
fi
{
  echo "date: $(date -u +%FT%TZ)"; uname -a
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "nvidia-smi: not found"
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())" 2>&1 || true
  echo "torch/lib: ${torch_lib:-(not found: see python.err)}"
  "$dotnet" --info 2>&1 | sed -n '1,12p'
} > "$out/machine.txt" 2>&1
cat "$out/machine.txt"
if [ -n "$torch_lib" ]; then export LRSCHED_TORCH_LIB="$torch_lib"; fi

echo "== GPU tests"
"$dotnet" "$work/apps/MLNet.LrSchedules.Trainers.Tests/MLNet.LrSchedules.Trainers.Tests.dll" \
  --filter "FullyQualifiedName~MLNet.LrSchedules.Trainers.Tests.Gpu." --output detailed --progress off 2>&1 | tee "$out/gpu-tests.log"
tests_rc=${PIPESTATUS[0]}

echo "== GPU benchmark"
"$dotnet" "$work/apps/MLNet.LrSchedules.Benchmarks/MLNet.LrSchedules.Benchmarks.dll" gpu --out "$out/gpu-benchmark.md" ${LRSCHED_BENCH_ARGS:-} 2>&1 | tee "$out/gpu-benchmark.log"
bench_rc=${PIPESTATUS[0]}

{
  echo "tests exit code: $tests_rc (0 = passed, skips included)"
  grep -E "^(skipped|failed|passed) " "$out/gpu-tests.log" || true
  grep -A1 -E "^skipped " "$out/gpu-tests.log" | grep -vE "^(skipped|--)" | sort -u | sed 's/^ */  skip reason: /' || true
  grep -E "total:|succeeded:|skipped:|failed:" "$out/gpu-tests.log" | tail -4
  echo "benchmark exit code: $bench_rc"
} > "$out/summary.txt"
cat "$out/summary.txt"
[ "$tests_rc" -eq 0 ] && [ "$bench_rc" -eq 0 ]
