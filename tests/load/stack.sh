# Sourced by run-load.sh and soak.sh: builds Release and starts, on loopback, Redis, a fast origin, a
# plain YARP proxy with the gateway's routes and no detection, the floor (that YARP plus one small Redis script per
# request), and the gateway; stops them all on exit.
# Sets redis_port, origin_port, plain_port, floor_port, gateway_port, their *_pid, and work (a scratch directory).
command -v wrk >/dev/null && command -v bc >/dev/null || { apt-get install -y -qq wrk bc >/dev/null || { echo "install wrk and bc (apt-get install -y wrk bc)" >&2; exit 1; }; }
command -v redis-server >/dev/null || { echo "install redis-server" >&2; exit 1; }
# Seconds of the same load a proxy serves, unmeasured, before it is measured (run-load.sh says why 30).
WARMUP=${WARMUP:-30}
[[ $WARMUP =~ ^[1-9][0-9]*$ ]] || { echo "WARMUP: whole seconds, at least 1 (wrk takes no 0-second run)" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

dotnet build src/LinkGateway -c Release -v quiet -nologo >/dev/null
dotnet build tests/LinkGateway.LoadHarness -c Release -v quiet -nologo >/dev/null
# Run copies, so a rebuild of the tree while a long run goes on cannot change the files under it.
cp -r src/LinkGateway/bin/Release/net10.0 "$work/gateway"; cp -r tests/LinkGateway.LoadHarness/bin/Release/net10.0 "$work/harness"
harness=$work/harness/LinkGateway.LoadHarness.dll
redis_port=$(free_port); origin_port=$(free_port); plain_port=$(free_port); gateway_port=$(free_port); floor_port=$(free_port)

# Redis as docs/operations/deploy.md recommends it (hz 100: expiry passes of at most 2.5 ms, not 25).
# REDIS_ARGS="--name value ..." adds settings (after the harness's own, so "--hz 10" measures Redis's default).
read -ra redis_args <<< "${REDIS_ARGS:-}"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --hz 100 "${redis_args[@]}" >"$work/redis.log" & redis_pid=$!; pids+=($redis_pid)
dotnet "$harness" origin --urls "http://127.0.0.1:$origin_port" & origin_pid=$!; pids+=($origin_pid)
dotnet "$harness" plain --urls "http://127.0.0.1:$plain_port" --config config/linkgateway.json --origin "http://127.0.0.1:$origin_port" & plain_pid=$!; pids+=($plain_pid)
dotnet "$harness" floor --urls "http://127.0.0.1:$floor_port" --config config/linkgateway.json --origin "http://127.0.0.1:$origin_port" \
  --redis "127.0.0.1:$redis_port,abortConnect=false" & floor_pid=$!; pids+=($floor_pid)
# Request logging is computed as in production but not written to the console (a console sink would
# measure the terminal, not the gateway).
# GATEWAY_ENV="NAME=value ..." sets runtime knobs for the gateway process alone (the anchors keep the defaults).
read -ra gateway_env <<< "${GATEWAY_ENV:-}"
for setting in "${gateway_env[@]}"; do
  [[ $setting =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "GATEWAY_ENV: '$setting' is not NAME=value" >&2; exit 2; }
done
env -- "${gateway_env[@]}" dotnet "$work/gateway/LinkGateway.dll" --config config/linkgateway.json --urls "http://127.0.0.1:$gateway_port" \
  --LinkGateway:Redis:Configuration="127.0.0.1:$redis_port" \
  --ReverseProxy:Clusters:origin:Destinations:primary:Address="http://127.0.0.1:$origin_port" \
  --LinkGateway:Signing:Key="$(head -c 32 /dev/urandom | base64)" \
  --Serilog:WriteTo:0:Args:restrictedToMinimumLevel=Warning $GATEWAY_ARGS >"$work/gateway.log" 2>&1 & gateway_pid=$!; pids+=($gateway_pid)

# A process that never answers stops the run: measuring a closed port would print a fast proxy.
for port in "$origin_port" "$plain_port" "$floor_port" "$gateway_port"; do
  for attempt in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
  [ "$attempt" -lt 100 ] || curl -s -o /dev/null "http://127.0.0.1:$port/healthz" || {
    echo "nothing answers on port $port after 10 s; the gateway's log:" >&2; tail -20 "$work/gateway.log" >&2; exit 1; }
done

# The clicks every run has sent so far: each run's clicks start where the last one's ended (human.lua's BASE, the paced
# generator's --base), so a round sends people's first clicks, not the warm-up's or the last round's addresses, recipients
# and clients again 15-30 s later (each wrk run starts its script's counter afresh; until 2026-11-29 every run sent the same
# clicks). An address recurs after 3.75 million clicks (browser.lua), all proxies' together.
echo 0 > "$work/clicks"
clicks() { cat "$work/clicks"; }
sent() { echo $(($(clicks) + $1)) > "$work/clicks"; }

# wrk, then "req/s p50 p99" in milliseconds.
run() { # url script connections duration
  BASE=$(clicks) wrk -t1 -c"$3" -d"$4"s --latency -s "$2" "$1" > "$work/wrk.txt"
  # How far the script numbered (human.lua says); else the requests that completed and one in flight per connection.
  sent "$(awk -v c="$3" '/^numbered / { n = $2 } /requests in/ { r = $1 + c } END { print (n != "" ? n : r) }' "$work/wrk.txt")"
  awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps = $2 } / 50%/ { p50 = ms($2) } / 99%/ { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f\n", rps, p50, p99 }' "$work/wrk.txt"
}

source tests/load/cpu.sh
