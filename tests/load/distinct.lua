-- Every request a new address, message and recipient: the in-process store's worst case, as many new
-- entities per request as there can be. BASE offsets the numbers, so that runs in a row stay distinct.
local browser = dofile("tests/load/browser.lua")
local counter = tonumber(os.getenv("BASE") or "0")

request = function()
  counter = counter + 1
  return wrk.format("GET", string.format("/c/m-%d/r-%d/l-1", counter, counter), browser.headers(counter))
end
