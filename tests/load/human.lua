-- A person's click: browser headers, a new recipient every request, client addresses varying through
-- X-Forwarded-For (trusted from loopback). Traffic itself stays on loopback.
-- BASE offsets the click numbers: a run that starts where the one before ended sends people's first clicks, not the same
-- addresses, recipients and clients again (each wrk run starts this counter afresh; stack.sh's `run` passes it).
local browser = dofile("tests/load/browser.lua")
local base = tonumber(os.getenv("BASE") or "0")
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

request = function()
  counter = counter + 1
  local n = base + id * 10000000 + counter
  return wrk.format("GET", string.format("/c/m-load/r-%d/l-1", n), browser.headers(n))
end
