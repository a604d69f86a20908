"""Reads `perf script` output (call-graph samples of one process) on standard input, writes the folded
stacks to the file named by the first argument, and prints the share of CPU samples by component and the
methods with the most inclusive and exclusive samples. Given the sampling rate (Hz), the run's requests per second and
the seconds sampled as further arguments, it prints each component's CPU per request in microseconds as well. A sample belongs to the innermost managed frame of a
known component, so kernel and runtime time (syscalls, GC, allocation) counts for the code that caused it;
what has no such frame is listed as kernel or runtime."""
import re
import sys
from collections import Counter

COMPONENTS = [
    ("LinkGateway.Core!", "LinkGateway.Core (detection, scoring, signing)"),
    ("LinkGateway!", "LinkGateway host (guard, store client code, headers, metrics)"),
    ("StackExchange.Redis!", "StackExchange.Redis (Redis client)"),
    ("RESPite!", "StackExchange.Redis (Redis client)"),
    ("Yarp.ReverseProxy!", "YARP"),
    ("Serilog", "Serilog (request log)"),
    ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel (HTTP server)"),
    ("Microsoft.AspNetCore", "ASP.NET Core middleware"),
    ("Microsoft.Extensions", "Microsoft.Extensions (DI, logging, options, caching)"),
    ("System.Net.Http!", "HttpClient (to the origin)"),
    ("System.Net.Sockets!", "sockets"),
    ("System.Text.Json!", "System.Text.Json"),
    ("System.Security.Cryptography!", "cryptography"),
    ("System.Text.RegularExpressions!", "regular expressions"),
    ("System.Private.CoreLib!System.Threading", "thread pool and async machinery"),
]

samples = []
stack = []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        if stack:
            samples.append(stack)
        stack = []
        continue
    if line.startswith("\t") or line.startswith(" "):
        parts = line.strip().split(" ", 1)
        symbol = parts[1] if len(parts) > 1 else parts[0]
        symbol = re.sub(r"\+0x[0-9a-f]+", "", symbol)
        # "(/usr/lib/.../libcoreclr.so)" names the module when the symbol is unknown or native
        module = re.search(r"\(([^)]*)\)\s*$", symbol)
        name = re.sub(r"\s*\([^)]*\)\s*$", "", symbol)
        if name in ("[unknown]", "") and module:
            name = "[" + module.group(1).split("/")[-1] + "]"
        managed = re.search(r"\[([\w.]+)\] ([^(]+)\(", name)
        if managed:
            name = managed.group(1) + "!" + managed.group(2).strip()
        elif module and "kernel" in module.group(1):
            name = "[kernel] " + name
        elif module and ("libcoreclr" in module.group(1) or "libclrjit" in module.group(1)):
            name = module.group(1).split("/")[-1] + "!" + name
        stack.append(name)
if stack:
    samples.append(stack)

# perf lists the innermost frame first
with open(sys.argv[1], "w") as folded:
    for s in samples:
        folded.write(";".join(reversed(s)) + " 1\n")

total = len(samples) or 1
by_component = Counter()
inclusive = Counter()
exclusive = Counter()
for s in samples:
    exclusive[s[0]] += 1
    for name in set(s):
        inclusive[name] += 1
    component = None
    for name in s:
        component = next((label for prefix, label in COMPONENTS if name.startswith(prefix)), None)
        if component:
            break
    if component is None:
        leaf = s[0]
        component = ("kernel, no managed caller (interrupts, scheduling)" if leaf.startswith("[kernel]")
                     else "runtime, no managed caller (GC threads, JIT, thread start)" if leaf.startswith(("libcoreclr", "libclrjit", "["))
                     else "other managed code (collections, strings, runtime library)")
    by_component[component] += 1

# A sample stands for 1/Hz s of CPU; the run served requests-per-second × seconds-sampled requests.
per_request = None
if len(sys.argv) > 4:
    hz, rps, seconds = (float(v) for v in sys.argv[2:5])
    per_request = 1_000_000 / hz / (rps * seconds)

print(f"CPU samples of the process: {len(samples)}"
      + (f"; {len(samples) * per_request:.0f} µs of CPU per request" if per_request else ""))
print("\nby component (innermost frame of a known component)")
for component, n in by_component.most_common():
    print(f"  {n / total:6.1%}  " + (f"{n * per_request:5.1f} µs  " if per_request else "") + component)
print("\nmethods by inclusive share (gateway, client and framework code)")
shown = 0
for name, n in inclusive.most_common(400):
    if name.startswith(("LinkGateway", "StackExchange", "Yarp", "Serilog", "Microsoft.AspNetCore", "Microsoft.Extensions", "System.Text.Json", "System.Net.Http")):
        print(f"  {n / total:6.1%}  {name[:160]}")
        shown += 1
        if shown == 30:
            break
print("\nmethods by exclusive share")
for name, n in exclusive.most_common(25):
    print(f"  {n / total:6.1%}  {name[:160]}")
