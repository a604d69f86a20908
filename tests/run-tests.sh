#!/usr/bin/env bash
# The project's test command (README, "Test"; docs/development.md): installs what the tests need when it is missing, runs
# every test project once, and ends with one line of totals: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

install_packages() {
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  fi
}

# A Docker engine would serve Redis through Testcontainers; without one the fixture runs redis-server.
if ! command -v redis-server >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
  echo "redis-server not found and no Docker engine: installing redis-server" >&2
  install_packages redis-server || { echo "install redis-server or start Docker" >&2; exit 1; }
fi

# Browser tests drive Debian's Chromium through Playwright; Playwright never downloads a browser here.
if [ ! -x /usr/bin/chromium ]; then
  echo "/usr/bin/chromium not found: installing Debian's chromium" >&2
  install_packages chromium || { echo "install chromium (apt-get install -y chromium)" >&2; exit 1; }
fi

# The compose file is checked with `docker-compose config` (no engine needed); the TLS tests use real clients;
# the path tests run nginx as an origin.
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
# The saturation test drives the gateway with wrk; the untrusted-balancer tests build a network namespace with ip.
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# The origin verifiers under src/verifiers run against the shared test vectors (python3 above, node, php, go).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
# The service unit is checked with systemd-analyze verify (offline: no running systemd needed).
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
  echo "not found: ${missing[*]}: installing" >&2
  install_packages "${missing[@]}" || { echo "install ${missing[*]} (apt-get install -y ${missing[*]})" >&2; exit 1; }
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
log=$(mktemp)
dotnet test LinkGateway.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 105, Skipped: 0, ...".
passed=$(sed -n 's/.*Failed: *\([0-9]*\), Passed: *\([0-9]*\),.*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/.*Failed: *\([0-9]*\), Passed: *\([0-9]*\),.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
assemblies=$(grep -c 'Passed: *[0-9]*, Skipped' "$log")
rm -f "$log"

# The micro-benchmarks run once each, in process, so they keep compiling and running (figures: docs/development.md).
if ! dotnet run -c Release --project tests/LinkGateway.Benchmarks -- --filter '*' --job Dry --inProcess > /dev/null 2>&1; then
  echo "the micro-benchmarks failed their dry run: dotnet run -c Release --project tests/LinkGateway.Benchmarks -- --filter '*' --job Dry --inProcess" >&2
  status=1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or a test host failed before any test could report
fi
if [ "$assemblies" -lt 2 ] && [ "$status" -eq 0 ]; then
  echo "expected two test assemblies, found $assemblies" >&2
  failed=$((failed + 1)); status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
