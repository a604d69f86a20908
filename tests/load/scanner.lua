-- A scanner: curl's User-Agent from a small pool of addresses, every link of every recipient.
-- PATH_PREFIX picks the route ("/c/m-scan/r-%d/l-%d" by default; "/u/m-scan/r-%d" for the shield).
local counter = 0
local prefix = os.getenv("PATH_PREFIX") or "/c/"

request = function()
  counter = counter + 1
  local address = string.format("203.0.113.%d", (counter % 50) + 1)
  local path
  if prefix == "/u/" then
    path = string.format("/u/m-scan/r-%d", math.floor(counter / 4))
  else
    path = string.format("/c/m-scan/r-%d/l-%d", math.floor(counter / 4), counter % 4)
  end
  return wrk.format("GET", path, { ["User-Agent"] = "curl/8.5.0", ["Accept"] = "*/*", ["X-Forwarded-For"] = address })
end
