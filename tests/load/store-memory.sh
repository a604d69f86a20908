#!/usr/bin/env bash
# The in-process store's memory under load (docs/concepts/memory.md): a gateway without Redis,
# wrk sending requests that each bring a new address, message and recipient, the gateway's resident
# memory after each 30-second round. Bounded like run-load.sh.
#   bash tests/load/store-memory.sh        ROUNDS=5 CONNECTIONS=16 GATEWAY_ARGS="--LinkGateway:Memory:InProcessMaxBytes=33554432"
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5} CONNECTIONS=${CONNECTIONS:-16}
GATEWAY_ARGS="--LinkGateway:Redis:Configuration= --LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
source tests/load/stack.sh

rss() { awk '/VmRSS/ { printf "%d MB", $2 / 1024 }' "/proc/$gateway_pid/status"; }
echo "gateway RSS at start: $(rss)"
total=0
for round in $(seq 1 "$ROUNDS"); do
  BASE=$((round * 100000000)) wrk -t1 -c"$CONNECTIONS" -d30s -s tests/load/distinct.lua "http://127.0.0.1:$gateway_port" > "$work/wrk.txt"
  total=$((total + $(awk '/requests in/ { print $1 }' "$work/wrk.txt")))
  echo "round $round: $total requests so far, gateway RSS $(rss)"
done
