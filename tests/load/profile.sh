#!/usr/bin/env bash
# Where the gateway's CPU goes under load (docs/development.md, "Performance"): human-shaped clicks with wrk while Linux
# perf samples the gateway process's CPU (cpu-clock, 499 Hz, call graphs; the runtime writes a perf map so
# JIT-compiled methods have names), then a summary by component and by method.
#   bash tests/load/profile.sh        DURATION=20 CONNECTIONS=16 WARMUP=30 KEEP=perf.txt GATEWAY_ARGS="--A:B=v ..." GATEWAY_ENV="DOTNET_X=1 ..." TARGET=gateway|floor|plain
# TARGET profiles the floor or plain YARP instead, to compare a component's share with the anchor's.
# Needs perf (apt-get install linux-perf) and root or perf_event_paranoid <= 1. KEEP copies the folded stacks
# (one line per sampled stack, for flame graph tools). Bounded: one wrk run, then everything stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-20} CONNECTIONS=${CONNECTIONS:-16}
# WARMUP (stack.sh, 30 s by default) goes past the runtime's second compilation of hot methods (run-load.sh): after 10 s it
# was still 5 % of the gateway's samples.
GATEWAY_ARGS="--LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
command -v perf >/dev/null || { echo "install perf (apt-get install -y linux-perf)" >&2; exit 1; }
# Without W^X double mapping the perf map's addresses are the code's addresses, so perf can name JIT frames.
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
source tests/load/stack.sh
TARGET=${TARGET:-gateway}
target_port=${TARGET}_port target_pid=${TARGET}_pid
target_port=${!target_port} target_pid=${!target_pid}

run "http://127.0.0.1:$target_port" tests/load/human.lua "$CONNECTIONS" "$WARMUP" >/dev/null
BASE=$(clicks) wrk -t1 -c"$CONNECTIONS" -d"$((DURATION + 4))"s -s tests/load/human.lua "http://127.0.0.1:$target_port" > "$work/wrk.txt" &
load=$!
sleep 2
perf record -e cpu-clock -F 499 -g -p "$target_pid" -o "$work/perf.data" -- sleep "$DURATION" 2>/dev/null
wait "$load"
grep "Requests/sec" "$work/wrk.txt"
perf script -i "$work/perf.data" 2>/dev/null | python3 tests/load/summarize-profile.py "$work/folded.txt" 499 "$(awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt")" "$DURATION"
[ -n "${KEEP:-}" ] && cp "$work/folded.txt" "$KEEP"
