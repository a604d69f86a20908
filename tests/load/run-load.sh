#!/usr/bin/env bash
# The load harness (README, "Performance"): Redis, a fast origin, a plain YARP proxy with the same
# routes and no detection, and the gateway, all on loopback; wrk alternates the two proxies over
# several rounds. Bounded: every wrk run has a duration, every process is stopped at the end.
#   bash tests/load/run-load.sh            ROUNDS=3 DURATION=10 CONNECTIONS=16 SOAK=0 GATEWAY_ARGS="--A:B=v ..."
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-16} SOAK=${SOAK:-0}
# The rate limiter is off here: the scanner runs come from a few addresses and would measure 429s.
GATEWAY_ARGS="--LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
command -v wrk >/dev/null && command -v bc >/dev/null || { apt-get install -y -qq wrk bc >/dev/null || { echo "install wrk and bc (apt-get install -y wrk bc)" >&2; exit 1; }; }
command -v redis-server >/dev/null || { echo "install redis-server" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/LinkGateway -c Release -v quiet -nologo >/dev/null
dotnet build tests/LinkGateway.LoadHarness -c Release -v quiet -nologo >/dev/null
harness=tests/LinkGateway.LoadHarness/bin/Release/net10.0/LinkGateway.LoadHarness.dll
redis_port=$(free_port); origin_port=$(free_port); plain_port=$(free_port); gateway_port=$(free_port)

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" & pids+=($!)
dotnet "$harness" origin --urls "http://127.0.0.1:$origin_port" & pids+=($!)
dotnet "$harness" plain --urls "http://127.0.0.1:$plain_port" --config config/linkgateway.json --origin "http://127.0.0.1:$origin_port" & pids+=($!)
# Request logging is computed as in production but not written to the console (a console sink would
# measure the terminal, not the gateway).
dotnet src/LinkGateway/bin/Release/net10.0/LinkGateway.dll --config config/linkgateway.json --urls "http://127.0.0.1:$gateway_port" \
  --LinkGateway:Redis:Configuration="127.0.0.1:$redis_port" \
  --ReverseProxy:Clusters:origin:Destinations:primary:Address="http://127.0.0.1:$origin_port" \
  --LinkGateway:Signing:Key="$(head -c 32 /dev/urandom | base64)" \
  --Serilog:WriteTo:0:Args:restrictedToMinimumLevel=Warning $GATEWAY_ARGS >"$work/gateway.log" 2>&1 & gateway_pid=$!; pids+=($gateway_pid)

for port in "$origin_port" "$plain_port" "$gateway_port"; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done

# wrk, then "req/s p50 p99" in milliseconds.
run() { # url script connections duration
  wrk -t1 -c"$3" -d"$4"s --latency -s "$2" "$1" > "$work/wrk.txt"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }' "$work/wrk.txt"
}
evalsha() { redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' '/cmdstat_evalsha/ { print $3 }'; }
requests() { awk '/requests in/ { print $1 }' "$work/wrk.txt"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d); wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds"
run "http://127.0.0.1:$plain_port" tests/load/human.lua "$CONNECTIONS" 3 >/dev/null   # warm-up
run "http://127.0.0.1:$gateway_port" tests/load/human.lua "$CONNECTIONS" 3 >/dev/null
ratios=()
printf "%-8s %-9s %10s %9s %9s\n" round proxy "req/s" "p50 ms" "p99 ms"
for round in $(seq 1 "$ROUNDS"); do
  read -r prps pp50 pp99 < <(run "http://127.0.0.1:$plain_port" tests/load/human.lua "$CONNECTIONS" "$DURATION")
  before=$(evalsha)
  read -r grps gp50 gp99 < <(run "http://127.0.0.1:$gateway_port" tests/load/human.lua "$CONNECTIONS" "$DURATION")
  gateway_requests=$(requests); after=$(evalsha)
  printf "%-8s %-9s %10s %9s %9s\n" "$round" plain "$prps" "$pp50" "$pp99"
  printf "%-8s %-9s %10s %9s %9s   (%.2f Redis scripts per request)\n" "$round" gateway "$grps" "$gp50" "$gp99" "$(echo "($after - $before) / $gateway_requests" | bc -l)"
  ratios+=("$(echo "$grps / $prps" | bc -l)")
done
printf "gateway/plain throughput, median of rounds: %.3f\n" "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"

# Moderate load: 2 connections, well under either proxy's peak.
read -r prps pp50 pp99 < <(run "http://127.0.0.1:$plain_port" tests/load/human.lua 2 "$DURATION")
read -r grps gp50 gp99 < <(run "http://127.0.0.1:$gateway_port" tests/load/human.lua 2 "$DURATION")
printf "moderate load (2 connections): plain %s req/s p99 %s ms; gateway %s req/s p99 %s ms; added p99 %.3f ms\n" "$prps" "$pp99" "$grps" "$gp99" "$(echo "$gp99 - $pp99" | bc -l)"

read -r srps sp50 sp99 < <(run "http://127.0.0.1:$gateway_port" tests/load/scanner.lua "$CONNECTIONS" "$DURATION")
printf "gateway, scanner clicks (proxied, tagged): %s req/s p50 %s ms p99 %s ms\n" "$srps" "$sp50" "$sp99"
read -r urps up50 up99 < <(PATH_PREFIX=/u/ run "http://127.0.0.1:$gateway_port" tests/load/scanner.lua "$CONNECTIONS" "$DURATION")
printf "gateway, scanner unsubscribes (shielded, origin untouched): %s req/s p50 %s ms p99 %s ms\n" "$urps" "$up50" "$up99"

if [ "$SOAK" -gt 0 ]; then
  echo "soak: $SOAK s of human traffic; gateway resident memory every 30 s"
  wrk -t1 -c"$CONNECTIONS" -d"$SOAK"s -s tests/load/human.lua "http://127.0.0.1:$gateway_port" > "$work/soak.txt" &
  soak=$!
  for t in $(seq 0 30 "$SOAK"); do
    printf "  %4ss  %s MB\n" "$t" "$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$gateway_pid/status)"
    [ "$t" -lt "$SOAK" ] && sleep 30
  done
  wait "$soak"; grep -E "Requests/sec" "$work/soak.txt"
fi
