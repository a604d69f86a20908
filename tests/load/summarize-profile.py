"""Summarizes a dotnet-trace speedscope file of dotnet-sampled-thread-time samples: only the samples of
threads that were running managed code count (a leaf frame of UNMANAGED_CODE_TIME is a thread waiting,
or in native code such as socket calls and TLS, which this sampler cannot see into). Prints the share of
running samples by component (the namespace of the innermost frame from a known component) and the
methods with the most inclusive and exclusive samples. With a second argument (part of a method name), also
who calls that method, by share of its samples."""
import json
import sys
from collections import Counter

profile = json.load(open(sys.argv[1]))
frames = [f["name"] for f in profile["shared"]["frames"]]
COMPONENTS = [
    ("LinkGateway", "LinkGateway (detection, guard, store client code)"),
    ("StackExchange.Redis", "StackExchange.Redis"),
    ("Yarp.", "YARP"),
    ("Serilog", "Serilog (request log)"),
    ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel"),
    ("Microsoft.AspNetCore", "ASP.NET Core (other)"),
    ("System.Net.Http", "HttpClient to the origin"),
    ("System.Net.Sockets", "sockets"),
    ("System.Text.Json", "System.Text.Json"),
    ("System.Security.Cryptography", "cryptography"),
    ("System.Threading", "threading"),
]



def stacks(thread):
    """(frame indexes, weight) of a speedscope profile, sampled or evented (open/close events)."""
    if thread["type"] == "sampled":
        yield from zip(thread["samples"], thread["weights"])
        return
    stack, last = [], thread["startValue"]
    for event in thread["events"]:
        if stack and event["at"] > last:
            yield list(stack), event["at"] - last
        last = event["at"]
        if event["type"] == "O":
            stack.append(event["frame"])
        elif stack:
            stack.pop()


running = 0
waiting = 0
by_component = Counter()
inclusive = Counter()
exclusive = Counter()
callers = Counter()
wanted = sys.argv[2] if len(sys.argv) > 2 else None
for thread in profile["profiles"]:
    for sample, weight in stacks(thread):
        names = [frames[i] for i in sample]
        if not names or names[-1] == "UNMANAGED_CODE_TIME":
            waiting += weight
            continue
        running += weight
        names = [n for n in names if n not in ("CPU_TIME", "?!?")]  # the sampler's own leaf marker
        exclusive[names[-1] if names else "?"] += weight
        if wanted and names and wanted in names[-1]:
            known = [n for n in names if n.startswith(("LinkGateway", "StackExchange", "Yarp", "Serilog", "Microsoft.AspNetCore", "System.Net"))]
            callers[" <- ".join(known[-1:-4:-1])] += weight
        for name in set(names):
            inclusive[name] += weight
        component = "other (runtime, collections, strings)"
        for name in reversed(names):
            hit = next((label for prefix, label in COMPONENTS if name.startswith(prefix)), None)
            if hit:
                component = hit
                break
        by_component[component] += weight

total = running + waiting
print(f"samples: {total:.0f} thread-samples; running managed code {running / total:.1%}, waiting or native {waiting / total:.1%}")
print("\nrunning samples by component (innermost known frame)")
for component, weight in by_component.most_common():
    print(f"  {weight / running:6.1%}  {component}")
print("\nmethods by inclusive share of running samples")
for name, weight in inclusive.most_common(60):
    if any(name.startswith(p) for p in ("LinkGateway", "StackExchange", "Yarp", "Serilog", "Microsoft.AspNetCore", "System.Text.Json", "System.Net.Http", "System.Security")):
        print(f"  {weight / running:6.1%}  {name[:150]}")
print("\nmethods by exclusive share of running samples")
for name, weight in exclusive.most_common(30):
    print(f"  {weight / running:6.1%}  {name[:150]}")
if wanted:
    print(f"\ncallers of {wanted} (innermost known frames)")
    total_wanted = sum(callers.values()) or 1
    for chain, weight in callers.most_common(10):
        print(f"  {weight / total_wanted:6.1%}  {chain[:220]}")
