-- One decision of a sliding-window rate limiter shared through Redis, atomic on the server.
-- KEYS[1]  the limiter's sorted set of grant times (score: server time in microseconds)
-- KEYS[2]  the limiter's definition (a string, same hash tag); optional
-- ARGV[1]  maxCalls: the most grants in any half-open window (t - period, t]
-- ARGV[2]  period in microseconds
-- ARGV[3]  a token unique to this call (instance id and a per-instance counter): member i of
--          this call's grants is token .. ':' .. i, so two grants never collapse into one entry
-- ARGV[4]  how many permits are wanted (the head waiters of one instance), 0 to only look
-- ARGV[5]  this instance's definition of the limit (with KEYS[2])
-- Returns {now, granted, available, wait}: the server time (microseconds) of the grants, how
-- many were granted, how many could still be granted now, and, when none is free any more, in
-- how many microseconds the oldest grant leaves the window (else 0). When KEYS[2] holds another
-- definition: {now, -1, 0, 0, stored definition}, and nothing is written.

-- TIME before writes: Redis 3.2 to 4 replicate a script's effects only when asked (5 and later
-- always do, and 7 keeps the call as a no-op).
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
local definitionKey = KEYS[2]
local max = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local token = ARGV[3]
local want = tonumber(ARGV[4])
-- Redis's clock, never a client's: every instance is judged on the same time.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
-- The keys outlive the latest grant's stay in the window by a few ms: expiry is counted in
-- whole ms on a clock the script's microseconds do not follow exactly.
local expiry = math.ceil(period / 1000) + 5
if definitionKey then
  local stored = redis.call('GET', definitionKey)
  if not stored then
    redis.call('SET', definitionKey, ARGV[5], 'PX', expiry)
  elseif stored ~= ARGV[5] then
    return {now, -1, 0, 0, stored}
  end
end
-- Grants at or before now - period have left the window.
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - period))
local count = redis.call('ZCARD', key)
local granted = 0
if want > 0 and count < max then
  granted = math.min(want, max - count)
  local score = string.format('%.0f', now)
  -- In chunks: unpack puts every value on Lua's stack, which holds about 8000.
  local first = 1
  while first <= granted do
    local last = math.min(granted, first + 499)
    local entries = {}
    for i = first, last do
      entries[#entries + 1] = score
      entries[#entries + 1] = token .. ':' .. i
    end
    redis.call('ZADD', key, unpack(entries))
    first = last + 1
  end
  count = count + granted
  redis.call('PEXPIRE', key, expiry)
  if definitionKey then
    redis.call('PEXPIRE', definitionKey, expiry)
  end
end
local wait = 0
if count >= max then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + period - now
end
return {now, granted, max - count, wait}
