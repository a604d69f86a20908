#!/usr/bin/env bash
# A/B of two builds of the gateway on the same machine at the same time (docs/development.md, "A click without a fan-out
# set"): this checkout's gateway (B) and another checkout's (A: BASELINE, e.g. `git worktree add /tmp/base <commit>`),
# each on its own Redis as stack.sh runs it, one fast origin, on loopback. After WARMUP seconds of tests/load/human.lua
# each, ROUNDS alternating rounds of DURATION seconds at CONNECTIONS; printed: each round's req/s, then each Redis's and
# each gateway's CPU over the whole period per request of that gateway, and the commands per request (INFO commandstats).
# Run it again with SWAP=1 (A on the second Redis) to see what the Redis servers' placement alone changes. Bounded in time.
#   BASELINE=/tmp/base bash tests/load/ab.sh          ROUNDS=6 DURATION=8 CONNECTIONS=32 WARMUP=20 SWAP=
set -euo pipefail
cd "$(dirname "$0")/../.."
BASELINE=${BASELINE:?BASELINE: a checkout of the other commit (git worktree add DIR COMMIT)}
ROUNDS=${ROUNDS:-6} DURATION=${DURATION:-8} CONNECTIONS=${CONNECTIONS:-32} WARMUP=${WARMUP:-20} SWAP=${SWAP:-}
for name in ROUNDS DURATION CONNECTIONS WARMUP; do [[ ${!name} =~ ^[1-9][0-9]*$ ]] || { echo "$name: a whole number, at least 1" >&2; exit 2; }; done
command -v wrk >/dev/null && command -v redis-server >/dev/null || { echo "install wrk and redis-server" >&2; exit 1; }
dotnet build src/LinkGateway -c Release -v quiet -nologo >/dev/null
dotnet build tests/LinkGateway.LoadHarness -c Release -v quiet -nologo >/dev/null
(cd "$BASELINE" && dotnet build src/LinkGateway -c Release -v quiet -nologo >/dev/null)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pids=(); trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
origin=$(free_port); redis_a=$(free_port); redis_b=$(free_port); gateway_a=$(free_port); gateway_b=$(free_port)
[ -z "$SWAP" ] || { swap=$redis_a; redis_a=$redis_b; redis_b=$swap; }
for port in "$redis_a" "$redis_b"; do
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --hz 100 >/dev/null & pids+=($!)
done
dotnet tests/LinkGateway.LoadHarness/bin/Release/net10.0/LinkGateway.LoadHarness.dll origin --urls "http://127.0.0.1:$origin" >/dev/null & pids+=($!)
key=$(head -c 32 /dev/urandom | base64)
gateway() { # checkout port redis-port; sets gateway_pid
  dotnet "$1/src/LinkGateway/bin/Release/net10.0/LinkGateway.dll" --config config/linkgateway.json --urls "http://127.0.0.1:$2" \
    --LinkGateway:Redis:Configuration="127.0.0.1:$3" --ReverseProxy:Clusters:origin:Destinations:primary:Address="http://127.0.0.1:$origin" \
    --LinkGateway:Signing:Key="$key" --LinkGateway:RateLimit:Enabled=false --Serilog:WriteTo:0:Args:restrictedToMinimumLevel=Warning >/dev/null 2>&1 & pids+=($!); gateway_pid=$!
}
gateway "$BASELINE" "$gateway_a" "$redis_a"; pid_a=$gateway_pid; gateway . "$gateway_b" "$redis_b"; pid_b=$gateway_pid
for port in "$gateway_a" "$gateway_b"; do
  for attempt in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "nothing answers on port $port after 20 s" >&2; exit 1; }
done

source tests/load/cpu.sh
redis_cpu_us() { redis-cli -p "$1" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.0f", s * 1000000 }'; }
# Both gateways get the same clicks in a round, and each round new ones (human.lua's BASE: the numbers after the last
# round's), so neither measures repeated addresses.
# run prints the requests that completed and how far human.lua numbered.
base=0
run() { BASE=$base wrk -t1 -c"$CONNECTIONS" -d"$2"s -s tests/load/human.lua "http://127.0.0.1:$1" | awk '/requests in/ { r = $1 } /^numbered / { n = $2 } END { print r, n }'; }
next_base() { base=$((base + ($1 > $2 ? $1 : $2))); }
commands() { redis-cli -p "$1" INFO commandstats | awk -F'[:=,]' -v n="$2" '/calls=/ { printf "  %-26s %6.2f per request, %6.2f us each\n", $1, $3 / n, $7 }'; }
read -r _ na < <(run "$gateway_a" "$WARMUP"); read -r _ nb < <(run "$gateway_b" "$WARMUP"); next_base "$na" "$nb"
for port in "$redis_a" "$redis_b"; do redis-cli -p "$port" CONFIG RESETSTAT >/dev/null; done
start_a=$(redis_cpu_us "$redis_a"); start_b=$(redis_cpu_us "$redis_b"); total_a=0; total_b=0
gateway_start_a=$(cpu_us "$pid_a"); gateway_start_b=$(cpu_us "$pid_b")
for round in $(seq 1 "$ROUNDS"); do
  read -r a na < <(run "$gateway_a" "$DURATION"); read -r b nb < <(run "$gateway_b" "$DURATION"); next_base "$na" "$nb"
  total_a=$((total_a + a)); total_b=$((total_b + b))
  echo "round $round: A (baseline) $((a / DURATION)) req/s, B (this checkout) $((b / DURATION)) req/s"
done
echo "A (baseline $(git -C "$BASELINE" rev-parse --short HEAD)): $total_a requests, Redis $(( ($(redis_cpu_us "$redis_a") - start_a) / total_a )) us per request, gateway $(( ($(cpu_us "$pid_a") - gateway_start_a) / total_a )) us per request"
commands "$redis_a" "$total_a"
echo "B (this checkout $(git rev-parse --short HEAD)$(git diff --quiet || echo ', with changes')): $total_b requests, Redis $(( ($(redis_cpu_us "$redis_b") - start_b) / total_b )) us per request, gateway $(( ($(cpu_us "$pid_b") - gateway_start_b) / total_b )) us per request"
commands "$redis_b" "$total_b"
