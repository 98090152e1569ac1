-- One decision of a sliding-window rate limiter shared through Redis, atomic on the server.
-- KEYS[1]  the limiter's sorted set of grant times (score: server time in microseconds)
-- ARGV[1]  maxCalls: the most grants in any half-open window (t - period, t]
-- ARGV[2]  period in microseconds
-- ARGV[3]  a token unique to this call (instance id and a per-instance counter): member i of
--          this call's grants is token .. ':' .. i, so two grants never collapse into one entry
-- ARGV[4]  how many permits are wanted (the head waiters of one instance), 0 to only look
-- Returns {now, granted, available, wait}: the server time (microseconds) of the grants, how
-- many were granted, how many could still be granted now, and, when none is free any more, in
-- how many microseconds the oldest grant leaves the window (else 0).
local key = KEYS[1]
local max = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local token = ARGV[3]
local want = tonumber(ARGV[4])
-- Redis's clock, never a client's: every instance is judged on the same time.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
-- Grants at or before now - period have left the window.
redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - period))
local count = redis.call('ZCARD', key)
local granted = 0
if want > 0 and count < max then
  granted = math.min(want, max - count)
  local score = string.format('%.0f', now)
  local entries = {}
  for i = 1, granted do
    entries[2 * i - 1] = score
    entries[2 * i] = token .. ':' .. i
  end
  redis.call('ZADD', key, unpack(entries))
  count = count + granted
  redis.call('PEXPIRE', key, math.max(1, math.ceil(period / 1000)))
end
local wait = 0
if count >= max then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + period - now
end
return {now, granted, max - count, wait}
