#!/usr/bin/env bash
# Where the gateway's time goes under load (README, "Performance"): human-shaped clicks with wrk while
# dotnet-trace samples the gateway's managed stacks (dotnet-sampled-thread-time, ~100 Hz per thread),
# then a summary of the samples that were running managed code, by component and by method.
#   bash tests/load/profile.sh        DURATION=20 CONNECTIONS=16 KEEP=gateway.speedscope.json GATEWAY_ARGS="--A:B=v ..."
# KEEP copies the trace (speedscope JSON: https://www.speedscope.app) out of the scratch directory.
# Needs dotnet-trace (dotnet tool install -g dotnet-trace). Bounded: one wrk run, then everything stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20} CONNECTIONS=${CONNECTIONS:-16}
GATEWAY_ARGS="--LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
trace=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
[ -x "$trace" ] || { echo "install dotnet-trace (dotnet tool install -g dotnet-trace)" >&2; exit 1; }
source tests/load/stack.sh

run "http://127.0.0.1:$gateway_port" tests/load/human.lua "$CONNECTIONS" 3 >/dev/null # warm-up
wrk -t1 -c"$CONNECTIONS" -d"$((DURATION + 4))"s -s tests/load/human.lua "http://127.0.0.1:$gateway_port" > "$work/wrk.txt" &
load=$!
sleep 2
"$trace" collect -p "$gateway_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$(printf %02d "$DURATION")" \
  --format Speedscope -o "$work/gateway.nettrace" > /dev/null
wait "$load"
grep "Requests/sec" "$work/wrk.txt"
python3 tests/load/summarize-profile.py "$work/gateway.speedscope.json"
[ -n "${KEEP:-}" ] && cp "$work/gateway.speedscope.json" "$KEEP"
