-- People's clicks, shared by human.lua and mixed.lua: the headers Chrome sends on a cross-site
-- navigation, and a client address per request number (spread over many /24s of 100.64.0.0/10),
-- passed in X-Forwarded-For (trusted from loopback; the traffic itself stays on loopback).
local browser = {}

function browser.address(n)
  return string.format("100.%d.%d.%d", 64 + (n % 60), math.floor(n / 60) % 250, (math.floor(n / 15000) % 250) + 1)
end

function browser.headers(address)
  return {
    ["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["Sec-Fetch-Mode"] = "navigate",
    ["Sec-Fetch-Site"] = "cross-site",
    ["Sec-Fetch-Dest"] = "document",
    ["X-Forwarded-For"] = address,
  }
end

return browser
