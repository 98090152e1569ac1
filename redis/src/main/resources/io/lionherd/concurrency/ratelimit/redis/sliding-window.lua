-- One decision of a rate limiter shared through Redis: every limit of the limiter, for a batch
-- of requests, atomic on the server and on the server's clock.
-- KEYS[1..k]  one sorted set per limit: an entry per request charged to it, scored at the
--             request's instant (server time, microseconds), member token:i:weight (what this
--             limit counted for it: 1 for a calls-limit, the request's permits otherwise)
-- KEYS[k + 1] a hash of the running sum of each limit's entries (field j for KEYS[j])
-- KEYS[k + 2] the limiter's definition (a string); every key shares one hash tag
-- ARGV[1]     this instance's definition of the limiter (every limit)
-- ARGV[2]     a token unique to this call: request i's member is token:i:weight
-- ARGV[3..]   per limit: max, period in microseconds, 1 if it counts calls (else 0)
-- then        per request, in arrival order: permits, and the longest wait it accepts in
--             microseconds (-1 for no limit, -2 for a try: now or never, no wait computed)
-- Returns {now, 0, available, granted1, wait1, granted2, wait2, ..., tightest, remaining,
-- reset}: the server time of the decision; available: what a request could still take now (0
-- while any reservation lies ahead); for request i, whether it was charged (1) or refused (0),
-- and in how many microseconds its instant comes (a reservation, granted then; 0 for now), or
-- for a refusal in how many it could have been granted (-1 for a try); after the decision, the
-- tightest limit (its index from 1: the smallest share of its max left, the first on a tie),
-- what is left of it (0 while any reservation lies ahead) and in how many microseconds the
-- oldest entry of its log leaves its window (0 when the log is empty). When KEYS[k + 2] holds
-- another definition: {now, -1, 0, stored definition}, and nothing is written.

-- TIME before writes: Redis 3.2 to 4 replicate a script's effects only when asked (5 and later
-- always do, and 7 keeps the call as a no-op).
if redis.replicate_commands then redis.replicate_commands() end
local k = #KEYS - 2
local sumsKey = KEYS[k + 1]
local definitionKey = KEYS[k + 2]
local token = ARGV[2]
-- Redis's clock, never a client's: every instance is judged on the same time.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local stored = redis.call('GET', definitionKey)
if stored and stored ~= ARGV[1] then
  return {now, -1, 0, stored}
end

local function weightOf(member)
  local weight = string.match(member, ':(%d+)$')
  return weight and tonumber(weight) or 1
end

local function score(value)
  return string.format('%.0f', value)
end

local max, period, calls, sum = {}, {}, {}, {}
local longest = 0
-- The latest instant charged to any limit: a new request is placed at or after it, so it
-- never overtakes a reservation, and no entry lies after its own instant.
local latest = now
local dirty = false
-- The sums were missing (a first call, evicted, deleted): written now, they need an expiry.
local recreated = false
for j = 1, k do
  local at = 3 + (j - 1) * 3
  max[j] = tonumber(ARGV[at])
  period[j] = tonumber(ARGV[at + 1])
  calls[j] = ARGV[at + 2] == '1'
  longest = math.max(longest, period[j])
  local key = KEYS[j]
  -- Entries at or before now - period have left every window from now on.
  local left = score(now - period[j])
  local total = redis.call('HGET', sumsKey, j)
  if total and calls[j] then
    -- Every entry of a calls-limit counted 1: what left is how many were removed.
    local removed = redis.call('ZREMRANGEBYSCORE', key, '-inf', left)
    total = tonumber(total) - removed
    dirty = dirty or removed > 0
  elseif total then
    total = tonumber(total)
    local expired = redis.call('ZRANGEBYSCORE', key, '-inf', left)
    if #expired > 0 then
      for _, member in ipairs(expired) do
        total = total - weightOf(member)
      end
      redis.call('ZREMRANGEBYSCORE', key, '-inf', left)
      dirty = true
    end
  else
    -- No sum kept (a first call, or deleted by hand): count the log.
    redis.call('ZREMRANGEBYSCORE', key, '-inf', left)
    total = 0
    for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
      total = total + weightOf(member)
    end
    dirty = total > 0
    recreated = dirty
  end
  sum[j] = total
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then
    latest = math.max(latest, tonumber(last[2]))
  end
end

-- The earliest instant T >= from (from >= every entry's instant) at which limit j's window
-- (T - period, T] has room for weight more: only entries after T - period count, so T is the
-- instant the entry whose leaving makes room leaves (its score + period), or from. Found from
-- whichever end of the log is nearer that entry (the weight to walk: what must leave, or what
-- may stay), so a decision walks at most half the log.
local function earliest(j, weight, from)
  local excess = sum[j] + weight - max[j]
  if excess <= 0 then
    return from
  end
  local key = KEYS[j]
  local room = max[j] - weight
  local start = 0
  if excess <= room then
    -- From the oldest: the entries that leave first, until enough has left.
    -- Small chunks first: mostly one or a few entries must leave.
    local size = math.min(excess, 8)
    while true do
      local chunk = redis.call('ZRANGE', key, start, start + size - 1, 'WITHSCORES')
      if #chunk == 0 then
        return from
      end
      for i = 1, #chunk, 2 do
        excess = excess - weightOf(chunk[i])
        if excess <= 0 then
          return math.max(from, tonumber(chunk[i + 1]) + period[j])
        end
      end
      start = start + size
      size = math.min(size * 4, 512)
    end
  end
  -- From the newest: what may stay in the window with it, until one more would not fit.
  local held = 0
  local size = math.min(room + 1, 8)
  while true do
    local chunk = redis.call('ZREVRANGE', key, start, start + size - 1, 'WITHSCORES')
    if #chunk == 0 then
      return from
    end
    for i = 1, #chunk, 2 do
      held = held + weightOf(chunk[i])
      if held > room then
        return math.max(from, tonumber(chunk[i + 1]) + period[j])
      end
    end
    start = start + size
    size = math.min(size * 4, 512)
  end
end

local reply = {now, 0, 0}
local first = 3 + 3 * k
local wrote = false
for r = first, #ARGV - 1, 2 do
  local i = (r - first) / 2 + 1
  local permits = tonumber(ARGV[r])
  local maxWait = tonumber(ARGV[r + 1])
  local at
  if maxWait == -2 then
    -- A try: now, behind nobody, or not at all.
    at = now
    if latest > now then
      at = nil
    else
      for j = 1, k do
        if sum[j] + (calls[j] and 1 or permits) > max[j] then
          at = nil
        end
      end
    end
  else
    at = latest
    for j = 1, k do
      at = math.max(at, earliest(j, calls[j] and 1 or permits, latest))
    end
  end
  if at == nil then
    reply[#reply + 1] = 0
    reply[#reply + 1] = -1
  elseif maxWait >= 0 and at - now > maxWait then
    -- Its instant lies after its timeout: refused at once, nothing written.
    reply[#reply + 1] = 0
    reply[#reply + 1] = at - now
  else
    local instant = score(at)
    for j = 1, k do
      local weight = calls[j] and 1 or permits
      redis.call('ZADD', KEYS[j], instant, token .. ':' .. i .. ':' .. weight)
      sum[j] = sum[j] + weight
    end
    latest = at
    wrote = true
    reply[#reply + 1] = 1
    reply[#reply + 1] = at - now
  end
end

if wrote or dirty then
  for j = 1, k do
    redis.call('HSET', sumsKey, j, score(sum[j]))
  end
end
-- The keys outlive the latest entry's stay in its window by a few ms: expiry is counted in
-- whole ms on a clock the script's microseconds do not follow exactly.
local expiry = math.ceil((latest - now + longest) / 1000) + 5
if not stored then
  redis.call('SET', definitionKey, ARGV[1], 'PX', expiry)
end
if wrote then
  for j = 1, k do
    redis.call('PEXPIRE', KEYS[j], expiry)
  end
  redis.call('PEXPIRE', sumsKey, expiry)
  redis.call('PEXPIRE', definitionKey, expiry)
elseif recreated then
  redis.call('PEXPIRE', sumsKey, expiry)
end

-- What a request could take now: the room of the tightest permits-limit (of the tightest
-- calls-limit when all count calls), none while a calls-limit is full or anyone is reserved.
local available = 0
if latest <= now then
  local permitsRoom, callsRoom = nil, nil
  for j = 1, k do
    local room = math.max(0, max[j] - sum[j])
    if calls[j] then
      callsRoom = math.min(callsRoom or room, room)
    else
      permitsRoom = math.min(permitsRoom or room, room)
    end
  end
  if callsRoom == 0 then
    available = 0
  else
    available = permitsRoom or callsRoom
  end
end
reply[3] = available

-- The tightest limit as a client is told it (RateLimit fields): one read of its oldest entry.
local tightest, remaining, share = 1, 0, 2
for j = 1, k do
  local room = 0
  if latest <= now then
    room = math.max(0, max[j] - sum[j])
  end
  if room / max[j] < share then
    tightest, remaining, share = j, room, room / max[j]
  end
end
local reset = 0
local oldest = redis.call('ZRANGE', KEYS[tightest], 0, 0, 'WITHSCORES')
if oldest[2] then
  reset = math.max(0, tonumber(oldest[2]) + period[tightest] - now)
end
reply[#reply + 1] = tightest
reply[#reply + 1] = remaining
reply[#reply + 1] = reset
return reply
