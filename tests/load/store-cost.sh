#!/usr/bin/env bash
# What the store's plan script costs Redis per person's click, without the gateway's CPU in the way
# (docs/development.md, "Where Redis's CPU per request goes"):
#   1. the gateway's own script calls for tests/load/human.lua's clicks, captured with MONITOR for CAPTURE seconds;
#   2. CALLS calls of that shape — a new address and recipient each, /24s recurring every 15,000 clicks, ten clicks per
#      millisecond of the script's clock — written once as Redis protocol;
#   3. RUNS times: a fresh Redis (as stack.sh runs it) takes them through `redis-cli --pipe`; printed: Redis's CPU
#      (INFO cpu) per call while they run and per call while their windows expire (EXPIRY seconds idle after), keys and
#      memory before and after.
# TARGET=floor captures and replays the floor's calls instead (its one small script, a new key per client address): the
# anchor's cost to Redis measured the same way.
# SCRIPT=file.lua replays the same calls into another script (same keys and arguments), to compare a change of the
# script alone; KEEP_DIR=DIR keeps the captured script (plan.lua) and the calls (calls.resp) there, to write such a change from.
# Traffic stays on loopback; every step is bounded in time.
# SENT_AGO=S (human.lua) captures clicks whose links carry a send time S seconds before them: 86400, a person reading
# the mail a day later, whom the gateway counts in no delivery window.
#   bash tests/load/store-cost.sh            CAPTURE=5 CALLS=200000 EXPIRY=75 RUNS=2 SCRIPT= KEEP_DIR= SENT_AGO= TARGET=gateway|floor
set -euo pipefail
cd "$(dirname "$0")/../.."
GATEWAY_ARGS=${GATEWAY_ARGS:-} TARGET=${TARGET:-gateway} CAPTURE=${CAPTURE:-5} CALLS=${CALLS:-200000} EXPIRY=${EXPIRY:-75} RUNS=${RUNS:-2} SCRIPT=${SCRIPT:-} KEEP_DIR=${KEEP_DIR:-}
for name in CAPTURE CALLS RUNS; do [[ ${!name} =~ ^[1-9][0-9]*$ ]] || { echo "$name: a whole number, at least 1" >&2; exit 2; }; done
[[ $EXPIRY =~ ^[0-9]+$ ]] || { echo "EXPIRY: whole seconds" >&2; exit 2; }
[[ $TARGET == gateway || $TARGET == floor ]] || { echo "TARGET: gateway or floor" >&2; exit 2; }
[ -z "$SCRIPT" ] || [ -r "$SCRIPT" ] || { echo "SCRIPT: cannot read $SCRIPT" >&2; exit 2; }
[ -z "$KEEP_DIR" ] || { mkdir -p "$KEEP_DIR" && [ -w "$KEEP_DIR" ]; } || { echo "KEEP_DIR: cannot write to $KEEP_DIR" >&2; exit 2; }
WARMUP=1 source tests/load/stack.sh

# 1. Capture (MONITOR shows the first call of each connection as EVAL with the script's text: NOSCRIPT on a new Redis).
redis-cli -p "$redis_port" SCRIPT FLUSH >/dev/null
timeout $((CAPTURE + 2)) redis-cli -p "$redis_port" MONITOR > "$work/monitor.txt" & monitor=$!
sleep 0.5
target_port=${TARGET}_port
wrk -t1 -c8 -d"${CAPTURE}s" -s tests/load/human.lua "http://127.0.0.1:${!target_port}" >/dev/null
wait "$monitor" || true

# 2. The calls, as Redis protocol, and the script (captured, or SCRIPT).
python3 - "$work/monitor.txt" "$CALLS" "$work/calls.resp" "$work/plan.lua" "$SCRIPT" "$TARGET" "${SENT_AGO:-}" <<'EOF'
import hashlib, re, sys
monitor, count, out, plan, other, target, sent_ago = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
escapes = {'n': b'\n', 'r': b'\r', 't': b'\t', 'a': b'\a', 'b': b'\b', '"': b'"', '\\': b'\\'}
def words(line):  # MONITOR's quoted words: "…" with \xHH and C escapes
    out, i = [], line.index('] ') + 2
    while i < len(line):
        if line[i] != '"': i += 1; continue
        i += 1; word = bytearray()
        while line[i] != '"':
            if line[i] == '\\':
                if line[i + 1] == 'x': word.append(int(line[i + 2:i + 4], 16)); i += 4
                else: word += escapes[line[i + 1]]; i += 2
            else: word += line[i].encode('utf-8', 'surrogateescape'); i += 1
        out.append(bytes(word)); i += 1
    return out
script, calls = None, []
for line in open(monitor, encoding='utf-8', errors='surrogateescape'):
    if '[0 lua]' in line or '"EVAL' not in line: continue  # commands the script itself ran
    w = words(line.rstrip('\n'))
    # The gateway's whole plan has 11 keys, the first its address's (the probe's scripts are others); the floor's one key.
    ours = w[2] == b'11' and w[3] != b'' if target == 'gateway' else w[2] == b'1' and w[3].startswith(b'floor:')
    if w[0] == b'EVAL' and ours: script = w[1]
    if w[0] in (b'EVAL', b'EVALSHA') and ours: calls.append(w[2:])
if script is None or not calls: sys.exit(f'no calls of the {target} captured: is it using Redis?')
if other: script = open(other, 'rb').read()
open(plan, 'wb').write(script)
sha = hashlib.sha1(script).hexdigest().encode()
def resp(parts): return b'*%d\r\n' % len(parts) + b''.join(b'$%d\r\n%s\r\n' % (len(p), p) for p in parts)
with open(out, 'wb') as f:
    for i in range(count):
        c = calls[i % len(calls)]
        ip = re.search(rb'\{ip:([0-9.]+)\}', c[1]).group(1)
        net = ip.rsplit(b'.', 1)[0]
        recipient = next(m.group(0) for m in map(lambda p: re.search(rb'r-\d+', p), c) if m)
        now = c[1 + int(c[0])]  # ARGV[1], after the keys
        j = i % 15000
        new = {ip: b'10.%d.%d.%d' % ((i >> 16) & 255, (i >> 8) & 255, i & 255), recipient: b'r-%d' % (900000000 + i)}
        parts = []
        for p in c:
            p = p.replace(b'{net:' + net + b'.0/24}', b'{net:10.%d.%d.0/24}' % (j >> 8, j & 255))
            for old, repl in new.items(): p = p.replace(old, repl)
            parts.append(b'%d' % (1795000000000 + i // 10) if p == now else p)
        f.write(resp([b'EVALSHA', sha] + parts))
clicks = f'sent {sent_ago} s before the click' if sent_ago else 'no send time: at delivery'
print(f'{target}: {len(calls)} calls captured (clicks with {clicks}); {count} replayed; script {len(script)} bytes, sha {sha.decode()}')
EOF

[ -z "$KEEP_DIR" ] || cp "$work/plan.lua" "$work/calls.resp" "$KEEP_DIR/"

# 3. Replay into fresh Redis servers, the server on one core and redis-cli on another: left to the scheduler, runs of the
# same calls fell into two groups, about 36 and 54 us per call, by whether the two shared a core (2026-11-30).
server_core= client_core=
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then server_core="taskset -c 0" client_core="taskset -c 1"; fi
cpu() { redis-cli -p "$1" INFO cpu | awk -F: '/used_cpu_(user|sys):/ { s += $2 } END { printf "%.6f", s }'; }
per_call() { awk -v a="$1" -v b="$2" -v n="$CALLS" 'BEGIN { printf "%.1f", (b - a) * 1000000 / n }'; }
memory() { redis-cli -p "$1" INFO memory | awk -F: '/^used_memory_human:/ { sub(/\r/, "", $2); print $2 }'; }
for run in $(seq 1 "$RUNS"); do
  port=$(free_port)
  $server_core redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --hz 100 >/dev/null & replay_pid=$!; pids+=($replay_pid)
  for attempt in $(seq 1 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$port" -x SCRIPT LOAD < "$work/plan.lua" >/dev/null # every byte: "$(cat …)" would drop a last newline, and the SHA-1 with it
  before=$(cpu "$port")
  errors=$(timeout 600 $client_core redis-cli -p "$port" --pipe < "$work/calls.resp" | awk '/errors:/ { gsub(",", ""); print $2 }')
  ran=$(cpu "$port"); keys=$(redis-cli -p "$port" DBSIZE); used=$(memory "$port")
  sleep "$EXPIRY"
  expired=$(cpu "$port")
  echo "run $run: $(per_call "$before" "$ran") us per call while they ran, $(per_call "$ran" "$expired") us per call in the ${EXPIRY} s after;" \
    "errors $errors; keys $keys, $used -> keys $(redis-cli -p "$port" DBSIZE), $(memory "$port")"
  kill "$replay_pid"; wait "$replay_pid" 2>/dev/null || true
done
