-- wrk script of the bench's load phases (bench/load.py runs it):
--
--   wrk -t1 -c4 -d5s --timeout 30s -s bench/rotate.lua http://127.0.0.1:8765 -- LINES any|pdf THREADS
--
-- LINES is a file of one request a line, "<Cookie header, or nothing>\t<path>", one line per member. Each wrk thread
-- starts at its own place in the list (thread k of THREADS at k/THREADS of it) and asks for the next line at every
-- request, so a phase goes through the whole list before it asks for any member again. A response other than 200
-- (a redirect to the sign-in page too) is an error, and so is a body that is not a PDF when the second argument is
-- "pdf". done() prints one line, "BENCH_WRK {json}": latencies in microseconds, wrk's own error counts, and each
-- thread's first line, requests issued and errors, from which bench/load.py counts the members a phase reached.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

-- Each thread's own state (globals of its Lua state, read back by done() through thread:get).
lines, first, issued, bad, first_bad = 0, 0, 0, 0, ""
local built = {}
local cursor = 0
local verifying = false
local want_pdf = false

function init(args)
   local file, kind, thread_count = args[1], args[2], tonumber(args[3] or "1")
   want_pdf = kind == "pdf"
   for line in io.lines(file) do
      local cookie, path = line:match("^([^\t]*)\t(.+)$")
      if path then
         local headers = {
            ["X-Forwarded-Proto"] = "https",  -- as from production's TLS proxy (SECURE_PROXY_SSL_HEADER)
            ["Accept-Language"] = "it",
            ["Accept-Encoding"] = "gzip, deflate",  -- as every browser asks: the map's answers come gzipped
            ["User-Agent"] = "mutua-bench",
         }
         if cookie ~= "" then
            headers["Cookie"] = cookie
         end
         lines = lines + 1
         built[lines] = wrk.format("GET", path, headers)
      end
   end
   if lines == 0 then
      error("no request in " .. tostring(file))
   end
   first = math.floor(id * lines / thread_count)
   cursor = first
   -- wrk asks the first thread's script for one request before the run, to check it (script_verify_request): that
   -- one is never sent, so it neither moves the rotation on nor counts.
   verifying = id == 0
end

function request()
   if verifying then
      verifying = false
      return built[cursor % lines + 1]
   end
   local r = built[cursor % lines + 1]
   cursor = cursor + 1
   issued = issued + 1
   return r
end

function response(status, headers, body)
   if status ~= 200 or (want_pdf and string.sub(body, 1, 4) ~= "%PDF") then
      bad = bad + 1
      if first_bad == "" then
         local where = headers["Location"] or headers["location"] or ""
         first_bad = (tostring(status) .. " " .. where):gsub("[^%w%s/%?=&%.%-_:]", "")
      end
   end
end

function done(summary, latency, requests)
   local each = {}
   for _, t in ipairs(threads) do
      table.insert(each, string.format(
         '{"first":%d,"issued":%d,"bad":%d,"lines":%d,"first_bad":"%s"}',
         t:get("first"), t:get("issued"), t:get("bad"), t:get("lines"), t:get("first_bad")
      ))
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_WRK {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p95":%d,"p99":%d},"threads":[%s]}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      table.concat(each, ",")
   ))
end
