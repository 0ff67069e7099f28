#!/usr/bin/env bash
# Paired CPU comparison of two logtriage binaries (or one against itself with different flags).
#
#   scripts/paired_cpu.sh A B ROUNDS FILE [FLAGS...]
#
# Each round runs `A analyze -f json --threads 1 $FA FLAGS FILE` and the same with B and $FB at
# the same time, one per core, and prints B's CPU time (user + sys) over A's; at the end the
# median, min and max ratio. Running the two at once exposes both to the same machine state:
# on a shared or throttled machine unpaired runs drift by ±10 % in phases, while the ratio of
# a paired round moves far less. FA and FB (environment) add flags to one side only, e.g.
#   FB="--latency" scripts/paired_cpu.sh target/release/logtriage target/release/logtriage 8 x.log
# measures what --latency costs.
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 A B ROUNDS FILE [FLAGS...]" >&2
  exit 2
fi
A=$1 B=$2 R=$3 F=$4
shift 4
read -r -a fa <<< "${FA:-}"
read -r -a fb <<< "${FB:-}"
ta=$(mktemp) tb=$(mktemp)
trap 'rm -f "$ta" "$tb"' EXIT
ratios=()
for i in $(seq 1 "$R"); do
  /usr/bin/time -f "%U %S" -o "$ta" "$A" analyze -f json --threads 1 "${fa[@]}" "$@" "$F" > /dev/null &
  p1=$!
  /usr/bin/time -f "%U %S" -o "$tb" "$B" analyze -f json --threads 1 "${fb[@]}" "$@" "$F" > /dev/null &
  p2=$!
  wait "$p1" "$p2"
  a=$(awk '{print $1 + $2}' "$ta")
  b=$(awk '{print $1 + $2}' "$tb")
  r=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.4f", b / a}')
  echo "round $i: A=${a}s B=${b}s ratio=$r"
  ratios+=("$r")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR] = $1}
  END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
       printf "median %.4f  min %.4f  max %.4f  (%d rounds)\n", m, v[1], v[NR], NR}'
