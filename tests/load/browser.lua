-- People's clicks, shared by human.lua, mixed.lua and distinct.lua: the headers Chrome sends on a cross-site
-- navigation, and a client address per request number (spread over 15,000 /24s of 100.64.0.0/10),
-- passed in X-Forwarded-For (trusted from loopback; the traffic itself stays on loopback).
-- The gateway counts a client per /24 and software: one Chrome build on one /24 reaching 5 recipients of a message in
-- 30 s is a burst (burst.domain), 15 in a minute a fan-out. With one User-Agent every /24 came back every 15,000 clicks,
-- so past 60,000 clicks the gateway judged this "human" load suspect, and later tagged its addresses (2026-11-29): each
-- pass over the /24s now uses the next of 8 Chrome builds, and a client recurs every 120,000 clicks (11 s at 11,000
-- req/s: 3 recipients in 30 s, 6 in a minute; it stays human up to about 16,000 req/s sustained for burst.domain and
-- 28,000 for the fan-out). PacedLoad.cs in the load harness sends the same.
local browser = {}

local platforms = { "Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7" }
local versions = { "128.0.0.0", "129.0.0.0", "130.0.0.0", "131.0.0.0" }

function browser.address(n)
  return string.format("100.%d.%d.%d", 64 + (n % 60), math.floor(n / 60) % 250, (math.floor(n / 15000) % 250) + 1)
end

function browser.user_agent(n)
  local pass = math.floor(n / 15000)
  return string.format("Mozilla/5.0 (%s) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/%s Safari/537.36",
    platforms[pass % 2 + 1], versions[math.floor(pass / 2) % 4 + 1])
end

function browser.headers(n)
  return {
    ["User-Agent"] = browser.user_agent(n),
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["Sec-Fetch-Mode"] = "navigate",
    ["Sec-Fetch-Site"] = "cross-site",
    ["Sec-Fetch-Dest"] = "document",
    ["X-Forwarded-For"] = browser.address(n),
  }
end

return browser
