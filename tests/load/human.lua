-- A person's click: browser headers, a new recipient every request, client addresses varying through
-- X-Forwarded-For (trusted from loopback). Traffic itself stays on loopback.
local counter = 0
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

request = function()
  counter = counter + 1
  local n = id * 10000000 + counter
  local address = string.format("100.%d.%d.%d", 64 + (n % 60), math.floor(n / 60) % 250, (math.floor(n / 15000) % 250) + 1)
  local path = string.format("/c/m-load/r-%d/l-1", n)
  return wrk.format("GET", path, {
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["Sec-Fetch-Mode"] = "navigate",
    ["Sec-Fetch-Site"] = "cross-site",
    ["Sec-Fetch-Dest"] = "document",
    ["X-Forwarded-For"] = address,
  })
end
