#!/usr/bin/env bash
# The load harness (docs/development.md, "Performance"): Redis, a fast origin, a plain YARP proxy with the same
# routes and no detection, and the gateway, all on loopback; wrk alternates the two proxies over
# several rounds. Bounded: every wrk run has a duration, every process is stopped at the end.
#   bash tests/load/run-load.sh            ROUNDS=3 DURATION=10 CONNECTIONS=16  GATEWAY_ARGS="--A:B=v ..."
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-16}
# The rate limiter is off here: the scanner runs come from a few addresses and would measure 429s.
GATEWAY_ARGS="--LinkGateway:RateLimit:Enabled=false ${GATEWAY_ARGS:-}"
source tests/load/stack.sh

# What the origin saw: "requests degraded" (degraded: forwarded with X-Bot-Degraded, a verdict without memory).
origin_counts() { curl -s "http://127.0.0.1:$origin_port/_harness/counts"; }
evalsha() { redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' '/cmdstat_evalsha/ { print $3 }'; }
requests() { awk '/requests in/ { print $1 }' "$work/wrk.txt"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d); wrk -t1 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds"
run "http://127.0.0.1:$plain_port" tests/load/human.lua "$CONNECTIONS" 3 >/dev/null   # warm-up
run "http://127.0.0.1:$gateway_port" tests/load/human.lua "$CONNECTIONS" 3 >/dev/null
ratios=()
printf "%-8s %-9s %10s %9s %9s\n" round proxy "req/s" "p50 ms" "p99 ms"
for round in $(seq 1 "$ROUNDS"); do
  p0=$(cpu_us "$plain_pid"); o0=$(cpu_us "$origin_pid")
  read -r prps pp50 pp99 < <(run "http://127.0.0.1:$plain_port" tests/load/human.lua "$CONNECTIONS" "$DURATION")
  plain_requests=$(requests); p1=$(cpu_us "$plain_pid"); o1=$(cpu_us "$origin_pid")
  before=$(evalsha); g0=$(cpu_us "$gateway_pid"); r0=$(cpu_us "$redis_pid"); o2=$(cpu_us "$origin_pid"); read -r seen0 degraded0 < <(origin_counts)
  read -r grps gp50 gp99 < <(run "http://127.0.0.1:$gateway_port" tests/load/human.lua "$CONNECTIONS" "$DURATION")
  gateway_requests=$(requests); after=$(evalsha); g1=$(cpu_us "$gateway_pid"); r1=$(cpu_us "$redis_pid"); o3=$(cpu_us "$origin_pid"); read -r seen1 degraded1 < <(origin_counts)
  printf "%-8s %-9s %10s %9s %9s   CPU per request: proxy %.0f µs, origin %.0f µs\n" "$round" plain "$prps" "$pp50" "$pp99" \
    "$(echo "($p1 - $p0) / $plain_requests" | bc -l)" "$(echo "($o1 - $o0) / $plain_requests" | bc -l)"
  printf "%-8s %-9s %10s %9s %9s   CPU per request: proxy %.0f µs, origin %.0f µs, Redis %.0f µs (%.2f scripts)\n" "$round" gateway "$grps" "$gp50" "$gp99" \
    "$(echo "($g1 - $g0) / $gateway_requests" | bc -l)" "$(echo "($o3 - $o2) / $gateway_requests" | bc -l)" \
    "$(echo "($r1 - $r0) / $gateway_requests" | bc -l)" "$(echo "($after - $before) / $gateway_requests" | bc -l)"
  printf "%-8s %-9s degraded (stateless) verdicts at saturation: %d of %d\n" "$round" gateway "$((degraded1 - degraded0))" "$((seen1 - seen0))"
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
