-- Mixed traffic for the soak: of every 20 requests, 13 are people's clicks (browser headers, new
-- recipient, varying addresses), 2 opens through Gmail's image proxy, 2 scanner clicks (curl from a
-- small pool), 1 machine open (no Accept-Language, pool of addresses), 1 person's unsubscribe page
-- and 1 scanner's unsubscribe (shielded). Traffic stays on loopback (X-Forwarded-For is trusted there).
-- DELAY_MS (default 0) paces each connection, so a long soak runs at a steady rate, not flat out.
-- BASE numbers the requests from there, so a segment after another sends new people's clicks (stack.sh's `run`); at the
-- end the run prints how far it numbered ("numbered N", as human.lua does). One wrk thread (-t1), as the soak runs it.
local base = tonumber(os.getenv("BASE") or "0")
counter = base -- a global, so that done() can read it (thread:get)
local pause = tonumber(os.getenv("DELAY_MS") or "0")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  io.write(string.format("numbered %d\n", threads[1]:get("counter") - base))
end

local browser = dofile("tests/load/browser.lua")

function delay()
  return pause
end

local function person(n)
  return browser.headers(n)
end

request = function()
  counter = counter + 1
  local n = counter
  local slot = n % 20
  if slot < 13 then
    return wrk.format("GET", string.format("/c/m-soak/r-%d/l-1", n), person(n))
  elseif slot < 15 then
    return wrk.format("GET", string.format("/o/m-soak/r-%d", n), {
      ["User-Agent"] = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
      ["X-Forwarded-For"] = string.format("66.249.84.%d", (n % 200) + 1) })
  elseif slot < 17 then
    return wrk.format("GET", string.format("/c/m-soak/r-%d/l-%d", math.floor(n / 4), n % 4), {
      ["User-Agent"] = "curl/8.5.0", ["Accept"] = "*/*", ["X-Forwarded-For"] = string.format("203.0.113.%d", (n % 50) + 1) })
  elseif slot < 18 then
    return wrk.format("GET", string.format("/o/m-soak/r-%d", n), {
      ["User-Agent"] = "Mozilla/5.0", ["Accept"] = "*/*", ["X-Forwarded-For"] = string.format("17.58.%d.%d", n % 8, (n % 200) + 1) })
  elseif slot < 19 then
    return wrk.format("GET", string.format("/u/m-soak/r-%d", n), person(n))
  else
    return wrk.format("GET", string.format("/u/m-soak/r-%d", n), {
      ["User-Agent"] = "curl/8.5.0", ["Accept"] = "*/*", ["X-Forwarded-For"] = string.format("203.0.113.%d", (n % 50) + 1) })
  end
end
