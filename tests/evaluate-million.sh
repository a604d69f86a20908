#!/usr/bin/env bash
# Measures `evaluate` on a synthetic access log of N lines (default 1,000,000): time and peak memory.
# Not part of the test suite; run it by hand: bash tests/evaluate-million.sh [LINES]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Combined log format, one request a second apart on average, a mix of people and scanners:
# 60 % browsers from many addresses, 20 % curl, 10 % Safe Links from EOP, 10 % unsubscribe GETs.
awk -v n="$lines" 'BEGIN {
  srand(20261123); start = 1795248000
  split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", months, " ")
  chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
  for (i = 0; i < n; i++) {
    t = start + int(i * 1.0)
    stamp = strftime("%d/%b/%Y:%H:%M:%S +0000", t, 1)
    r = rand(); m = "m-" int(i / 5000); rc = "r-" int(rand() * 200000); l = "l-" int(rand() * 4 + 1)
    if (r < 0.6)      { ip = int(rand()*223+1) "." int(rand()*256) "." int(rand()*256) "." int(rand()*254+1); ua = chrome; path = "/c/" m "/" rc "/" l "?t=" start }
    else if (r < 0.8) { ip = "203.0.113." int(rand()*254+1); ua = "curl/8.5.0"; path = "/c/" m "/" rc "/" l }
    else if (r < 0.9) { ip = "40.107." int(rand()*256) "." int(rand()*254+1); ua = chrome; path = "/c/" m "/" rc "/" l "?t=" start }
    else              { ip = int(rand()*223+1) "." int(rand()*256) "." int(rand()*256) "." int(rand()*254+1); ua = chrome; path = "/u/" m "/" rc }
    printf "%s - - [%s] \"GET %s HTTP/1.1\" 302 0 \"-\" \"%s\"\n", ip, stamp, path, ua
  }
}' > "$work/access.log"
echo "log: $(wc -l < "$work/access.log") lines, $(du -h "$work/access.log" | cut -f1)"

dotnet build src/LinkGateway -c Release -v quiet -nologo > /dev/null
/usr/bin/time -v dotnet src/LinkGateway/bin/Release/net10.0/LinkGateway.dll evaluate \
  --config config/linkgateway.json --log "$work/access.log" --out "$work/verdicts.csv" 2> "$work/time.txt" | tail -25
grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/time.txt"
