-- A person's click: browser headers, a new recipient every request, client addresses varying through
-- X-Forwarded-For (trusted from loopback). Traffic itself stays on loopback.
-- The clicks are numbered from BASE, as the paced generator's from `--base` (a second thread, -t2, from BASE + 10,000,000):
-- a run that starts where the one before ended sends people's first clicks, not the same addresses, recipients and clients
-- again (stack.sh's `run` passes it). At the end the run prints how far it numbered ("numbered N"): wrk counts only the
-- requests that completed.
-- SENT_AGO=S gives every click the send time S seconds before it (the route's "t", unix seconds): a person reading the
-- mail later than the gateway's Behaviour:DeliveryWindow (15 min) is counted in no delivery window. Unset, the links carry
-- no send time, and the gateway counts every click as one at delivery: the most work a person's click makes the store do.
local browser = dofile("tests/load/browser.lua")
local base = tonumber(os.getenv("BASE") or "0")
local sent_ago = os.getenv("SENT_AGO") or ""
-- Whole seconds up to a year, as the paced generator takes them: anything else would send no send time, or one the gateway
-- reads as none (in the future, before 1970), and so measure clicks at delivery under the name of late ones. wrk goes on
-- without a script that raised an error, so the check ends wrk itself: the scripts that run it stop there (set -e).
if sent_ago ~= "" and not (sent_ago:match("^%d+$") and #sent_ago <= 8 and tonumber(sent_ago) <= 31536000) then
  io.stderr:write("SENT_AGO: whole seconds, 0 to 31536000 (a year); got '" .. sent_ago .. "'\n")
  os.exit(2)
end
sent_ago = tonumber(sent_ago)
counter = 0 -- a global, so that done() can read each thread's (thread:get)
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

request = function()
  local n = base + (id - 1) * 10000000 + counter
  counter = counter + 1
  local path = string.format("/c/m-load/r-%d/l-1", n)
  if sent_ago then path = string.format("%s?t=%d", path, os.time() - sent_ago) end
  return wrk.format("GET", path, browser.headers(n))
end

function done(summary, latency, requests)
  local last = 0
  for _, thread in ipairs(threads) do
    last = math.max(last, (thread:get("id") - 1) * 10000000 + thread:get("counter"))
  end
  io.write(string.format("numbered %d\n", last))
end
