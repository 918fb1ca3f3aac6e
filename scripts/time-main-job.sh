#!/usr/bin/env bash
# Times the main job (README's first command: `lrsched train` with its defaults, the CNN on the MNIST sample) for seeds
# 1..N, each seed with the default thread count, then --threads 1 and --threads 2, and prints one line per run: the load
# average before and after, the training seconds `lrsched train` reports and the test accuracy. Run it on a quiet
# machine: the seconds mean nothing while other processes share the cores (docs/NETWORKS.md, "The main job's network").
# Usage: scripts/time-main-job.sh [seeds, default 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet build "$root/src/MLNet.LrSchedules.Tool" -c Release -nologo -v quiet
tool="$root/src/MLNet.LrSchedules.Tool/bin/Release/net10.0/lrsched.dll"
echo "$(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for seed in $(seq 1 "$seeds"); do
  for threads in default 1 2; do
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    log="$out/seed$seed-threads$threads.log"
    thread_option=(); [[ $threads != default ]] && thread_option=(--threads "$threads")
    dotnet "$tool" train --seed "$seed" "${thread_option[@]}" -o "$out/m$seed-$threads.zip" --plot "$out/m$seed-$threads.png" > "$log" 2>&1 \
      || { cat "$log" >&2; exit 1; }
    after=$(cut -d' ' -f1-3 /proc/loadavg)
    trained=$(grep -o 'Trained .* in [0-9.]* s' "$log")
    accuracy=$(grep -E '^  accuracy' "$log" | awk '{print $2}')
    echo "seed $seed, threads $threads: $trained; test accuracy $accuracy; load $before -> $after"
  done
done
