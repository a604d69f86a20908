-- A person's click: browser headers, a new recipient every request, client addresses varying through
-- X-Forwarded-For (trusted from loopback). Traffic itself stays on loopback.
local browser = dofile("tests/load/browser.lua")
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

request = function()
  counter = counter + 1
  local n = id * 10000000 + counter
  return wrk.format("GET", string.format("/c/m-load/r-%d/l-1", n), browser.headers(n))
end
