#!/usr/bin/env bash
# What passing the store's call costs Redis, apart from what its script does (docs/development.md, "The call's strings,
# measured alone"): the calls that store-cost.sh kept (KEEP_DIR, captured with SCRIPT holding `return 1`, so each call
# runs a script that does nothing) piped into one fresh Redis in three shapes, RUNS times each, back to back:
#   all       the calls as the gateway sends them (its keys and arguments);
#   varying   only the keys and the arguments that differ from call to call (what is the same in every call — windows,
#             caps, TTLs — and the empty places of absent steps left out, as if written into the script's text);
#   packed    the same bytes as the first, in three strings (one key, the rest joined into one argument).
# Printed: Redis's CPU (INFO cpu) per call and the errors redis-cli counted (0: every call ran the script).
#   SCRIPT=return1.lua KEEP_DIR=DIR EXPIRY=0 RUNS=1 bash tests/load/store-cost.sh   (a file holding `return 1`), then
#   bash tests/load/call-cost.sh DIR          RUNS=3
# Traffic stays on loopback; bounded: 3 × RUNS pipes of the kept calls.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${1:?a KEEP_DIR of store-cost.sh, captured with SCRIPT holding return 1} RUNS=${RUNS:-3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "RUNS: a whole number, at least 1" >&2; exit 2; }
[ "$(cat "$DIR/plan.lua")" = "return 1" ] || { echo "$DIR/plan.lua is not 'return 1': capture with SCRIPT holding return 1" >&2; exit 2; }
python3 - "$DIR/calls.resp" "$DIR" <<'EOF'
import sys
calls_file, out = sys.argv[1], sys.argv[2]
data = open(calls_file, 'rb').read()
calls, i = [], 0
while i < len(data):
    j = data.index(b'\r\n', i); count = int(data[i + 1:j]); i = j + 2; parts = []
    for _ in range(count):
        j = data.index(b'\r\n', i); length = int(data[i + 1:j]); i = j + 2; parts.append(data[i:i + length]); i += length + 2
    calls.append(parts)
def resp(parts): return b'*%d\r\n' % len(parts) + b''.join(b'$%d\r\n%s\r\n' % (len(p), p) for p in parts)
keys = int(calls[0][2])
width = len(calls[0])
same = [len({c[p] for c in calls[:2000]}) == 1 for p in range(width)]
with open(f'{out}/varying.resp', 'wb') as varying, open(f'{out}/packed.resp', 'wb') as packed:
    for c in calls:
        args = [c[p] for p in range(3 + keys, width) if not same[p] and c[p] != b'']
        varying.write(resp(c[:3 + keys] + args))
        packed.write(resp([c[0], c[1], b'1', c[3], b'\x1f'.join(c[4:])]))
print(f'{len(calls)} calls of {width - 3} strings ({keys} keys); varying: {keys} keys and {sum(1 for p in range(3 + keys, width) if not same[p])} arguments')
EOF
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --hz 100 >/dev/null & redis=$!
trap 'kill $redis 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for attempt in $(seq 1 50); do redis-cli -p "$port" PING >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$port" SCRIPT LOAD "return 1" >/dev/null
cpu() { redis-cli -p "$port" INFO cpu | awk -F: '/used_cpu_(user|sys):/ { s += $2 } END { printf "%.6f", s }'; }
calls=$(grep -c '^\*' "$DIR/varying.resp" || true)
for run in $(seq 1 "$RUNS"); do
  line="run $run:"
  for shape in calls varying packed; do
    before=$(cpu)
    errors=$(timeout 300 redis-cli -p "$port" --pipe < "$DIR/$shape.resp" | awk '/errors:/ { gsub(",", ""); print $2 }')
    line+=" $([ "$shape" = calls ] && echo all || echo "$shape") $(awk -v a="$before" -v b="$(cpu)" -v n="$calls" 'BEGIN { printf "%.2f", (b - a) * 1000000 / n }') us (errors $errors);"
  done
  echo "$line"
done
