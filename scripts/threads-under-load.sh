#!/usr/bin/env bash
# A default-options training run alone and with CPU hogs, alternated (docs/THREADS.md):
#
#   scripts/threads-under-load.sh [repeats (default 5)] [hogs (default 2)] [-- lrsched train options]
#
# Builds lrsched (Release), then runs `lrsched train --data data/digits.csv --epochs 30` (or the options after --) repeats
# times alone and repeats times while `hogs` processes of `yes > /dev/null` run, alternating alone / hogged so that a drifting
# machine load hits both. Prints the 1-minute load average before every run, the training time lrsched reports
# ("Trained ... in X s") and the whole process's wall time, then the medians and the hogged / alone ratios.
# Beside each run, a single-threaded CPU-bound reference (bc computing pi to 2,000 digits) runs under the same conditions:
# its ratio is what a fair share gives on this machine (1.5 on two dedicated cores with two hogs; more where the cores
# are shared with other machines or containers). The hogs are started and killed by this script (also on Ctrl+C).
# Environment variables pass through (e.g. GOMP_SPINCOUNT=300000 and -- --threads 2 for the behaviour before issue 11).
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
hogs=${2:-2}
shift $(( $# >= 2 ? 2 : $# ))
[[ ${1:-} == "--" ]] && shift
train_options=("$@")
[[ ${#train_options[@]} -eq 0 ]] && train_options=(--data data/digits.csv --epochs 30)

dotnet build src/MLNet.LrSchedules.Tool -c Release -v quiet -nologo >/dev/null
lrsched=src/MLNet.LrSchedules.Tool/bin/Release/net10.0/lrsched
work=$(mktemp -d)
hog_pids=()
stop_hogs() { for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; hog_pids=(); }
trap 'stop_hogs; rm -rf "$work"' EXIT INT TERM

run() { # $1 = alone|hogged; prints "train_s wall_s"
  local start end out
  start=$(date +%s.%N)
  out=$("$lrsched" train "${train_options[@]}" -o "$work/model.zip" --plot "$work/plot.png" 2>&1) || { echo "lrsched failed: $out" >&2; exit 1; }
  end=$(date +%s.%N)
  local train
  train=$(grep -o 'Trained .* in [0-9.]* s' <<<"$out" | grep -o '[0-9.]* s$' | tr -d ' s')
  printf '%s %.2f\n' "$train" "$(echo "$end - $start" | bc -l)"
  rm -f "$work/model.zip" "$work/plot.png"
}

echo "# scripts/threads-under-load.sh $repeats $hogs -- ${train_options[*]}"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) logical cores; $(uptime)"
reference() { local start end; start=$(date +%s.%N); echo "scale=2000; 4*a(1)" | bc -l > /dev/null; end=$(date +%s.%N); printf '%.2f\n' "$(echo "$end - $start" | bc -l)"; }

echo "| repeat | run | load (1 min) | training (s) | process wall (s) | reference (s) |"
echo "|---:|---|---:|---:|---:|---:|"
alone=(); alone_wall=(); hogged=(); hogged_wall=(); alone_ref=(); hogged_ref=()
for ((r = 1; r <= repeats; r++)); do
  for mode in alone hogged; do
    # Odd repeats run alone first, even ones hogged first.
    if (( r % 2 == 0 )); then mode=$([[ $mode == alone ]] && echo hogged || echo alone); fi
    if [[ $mode == hogged ]]; then
      for ((h = 0; h < hogs; h++)); do yes > /dev/null & hog_pids+=($!); done
      sleep 1
    fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    read -r train wall < <(run "$mode")
    ref=$(reference)
    stop_hogs
    echo "| $r | $mode | $load | $train | $wall | $ref |"
    if [[ $mode == alone ]]; then alone+=("$train"); alone_wall+=("$wall"); alone_ref+=("$ref"); else hogged+=("$train"); hogged_wall+=("$wall"); hogged_ref+=("$ref"); fi
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ma=$(median "${alone[@]}"); mh=$(median "${hogged[@]}")
mwa=$(median "${alone_wall[@]}"); mwh=$(median "${hogged_wall[@]}")
mra=$(median "${alone_ref[@]}"); mrh=$(median "${hogged_ref[@]}")
echo
echo "| | alone (median) | with $hogs hogs (median) | ratio |"
echo "|---|---:|---:|---:|"
printf '| training (s) | %s | %s | %.2f |\n' "$ma" "$mh" "$(echo "$mh / $ma" | bc -l)"
printf '| process wall (s) | %s | %s | %.2f |\n' "$mwa" "$mwh" "$(echo "$mwh / $mwa" | bc -l)"
printf '| reference, one thread (s) | %s | %s | %.2f |\n' "$mra" "$mrh" "$(echo "$mrh / $mra" | bc -l)"
echo "# $(uptime)"
