-- A person's click: browser headers, a new recipient every request, client addresses varying through
-- X-Forwarded-For (trusted from loopback). Traffic itself stays on loopback.
-- BASE offsets the click numbers: a run that starts where the one before ended sends people's first clicks, not the same
-- addresses, recipients and clients again (each wrk run starts this counter afresh; stack.sh's `run` passes it).
local browser = dofile("tests/load/browser.lua")
-- The numbers go from BASE as the paced generator's do (`--base`); a second thread (-t2) numbers from BASE + 10,000,000.
-- At the end the run prints how far it numbered ("numbered N"), wrk's own count being of completed requests only.
local base = tonumber(os.getenv("BASE") or "0")
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
  return wrk.format("GET", string.format("/c/m-load/r-%d/l-1", n), browser.headers(n))
end

function done(summary, latency, requests)
  local last = 0
  for _, thread in ipairs(threads) do
    last = math.max(last, (thread:get("id") - 1) * 10000000 + thread:get("counter"))
  end
  io.write(string.format("numbered %d\n", last))
end
