#!/usr/bin/env bash
# The soak (docs/development.md, "Soak"; not run in CI): mixed traffic against the gateway on loopback for
# MINUTES minutes (default 30), in back-to-back segments of SEGMENT seconds. After each segment it
# prints and records elapsed time, req/s, p50/p99 latency of that segment and the gateway's resident
# memory; at the end it writes a plot (SVG) of memory and latency over time. Each connection pauses
# DELAY_MS between requests (default 2: a steady rate of about a third of this machine, not flat out).
#   bash tests/load/soak.sh        MINUTES=30 SEGMENT=30 CONNECTIONS=4 DELAY_MS=2 OUT=docs/soak.svg
# Bounded: MINUTES × 60 / SEGMENT wrk runs of SEGMENT seconds each, then every process is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${MINUTES:-30} SEGMENT=${SEGMENT:-30} CONNECTIONS=${CONNECTIONS:-4} OUT=${OUT:-docs/soak.svg}
export DELAY_MS=${DELAY_MS:-2}
# The rate limiter is off: the scanner share comes from a few addresses and would measure 429s.
GATEWAY_ARGS="--LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
source tests/load/stack.sh

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$gateway_pid/status"; }
segments=$(( MINUTES * 60 / SEGMENT ))
series="$work/soak.tsv"
echo "machine: $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ); mixed traffic, wrk -t1 -c$CONNECTIONS, ${DELAY_MS} ms pause per connection, $segments segments of ${SEGMENT}s"
printf "%8s %9s %9s %9s %8s\n" "minute" "req/s" "p50 ms" "p99 ms" "RSS MB"
printf "minute\trps\tp50\tp99\trss\n" > "$series"
printf "%8.1f %9s %9s %9s %8s\n" 0 - - - "$(rss_mb)"
for segment in $(seq 1 "$segments"); do
  read -r rps p50 p99 < <(run "http://127.0.0.1:$gateway_port" tests/load/mixed.lua "$CONNECTIONS" "$SEGMENT")
  minute=$(echo "$segment * $SEGMENT / 60" | bc -l)
  rss=$(rss_mb)
  printf "%8.1f %9s %9s %9s %8s\n" "$minute" "$rps" "$p50" "$p99" "$rss"
  printf "%.2f\t%s\t%s\t%s\t%s\n" "$minute" "$rps" "$p50" "$p99" "$rss" >> "$series"
done
errors=$(grep -c "Non-2xx\|Socket errors" "$work/wrk.txt" || true)
echo "last segment's wrk error lines: $errors"
python3 tests/load/plot-soak.py "$series" "$OUT"
echo "plot: $OUT"
