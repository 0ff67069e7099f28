#!/usr/bin/env bash
# Whole-binary throughput: generate a corpus with the project's own generator, warm the page
# cache, then time `wc -l` (the floor) and `logtriage analyze` on it, printing MB/s, lines/s
# and peak RSS (as /usr/bin/time reports it, so mapped and cached pages of ours count).
#
#   benches/run.sh [MB] [FILE]
#     MB    corpus size to generate (default 1000)
#     FILE  analyse this file instead of generating one (e.g. a gen_corpus.py output)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1000}
cargo build --release --quiet --bins
BIN=target/release/logtriage
if [[ $# -ge 2 ]]; then
  CORPUS=$2
else
  mkdir -p target/bench
  CORPUS=target/bench/corpus-${MB}mb.log
  if [[ ! -s $CORPUS ]]; then
    echo "generating ${MB} MB corpus at $CORPUS ..." >&2
    target/release/logtriage-gen --seed 42 --mb "$MB" --format json --out "$CORPUS"
  fi
fi
BYTES=$(stat -c %s "$CORPUS")
cat "$CORPUS" > /dev/null   # warm the page cache
LINES=$(wc -l < "$CORPUS")

measure() {  # label, command...
  local label=$1; shift
  local best=999999 rss=0
  for _ in 1 2 3; do
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" > /dev/null; } 2>&1 | tail -1 )
    local secs=${out% *} kb=${out#* }
    if awk "BEGIN{exit !($secs < $best)}"; then best=$secs; rss=$kb; fi
  done
  awk -v l="$label" -v s="$best" -v b="$BYTES" -v n="$LINES" -v r="$rss" 'BEGIN {
    if (s < 0.001) s = 0.001;
    printf "%-28s %7.2f s %9.0f MB/s %12.0f lines/s %8.1f MiB peak RSS\n", l, s, b/s/1e6, n/s, r/1024 }'
}

echo "corpus: $CORPUS ($BYTES bytes, $LINES lines), $(nproc) cores"
measure "wc -l" wc -l "$CORPUS"
measure "logtriage analyze (json)" "$BIN" analyze --format json "$CORPUS"
measure "logtriage analyze (text)" "$BIN" analyze --color never "$CORPUS"
measure "analyze --latency --traces" "$BIN" analyze --format json --latency --traces "$CORPUS"
measure "filter -c (term)" "$BIN" filter -c timeout "$CORPUS"
measure "filter -c (JSON =)" "$BIN" filter -c '{ $.level = "error" }' "$CORPUS"
measure "filter -c (JSON >)" "$BIN" filter -c '{ $.duration_ms > 1000 }' "$CORPUS"
measure "filter -c (every line)" "$BIN" filter -c '[w1, ...]' "$CORPUS"
