-- Acquire a permit of a shared concurrency limit (see HolderScripts).
-- KEYS[1] the holders: permit id -> end of its lease, ms on this server's clock
-- KEYS[2] the definition ("total=<n>"); both keys share one hash tag
-- ARGV[1] this instance's definition, ARGV[2] the total, ARGV[3] the new permit's id,
-- ARGV[4] the lease in ms
-- Returns {1 granted | 0 refused, holders, ms until the earliest lease ends, now in micros},
-- or {-1, 0, 0, now, stored definition} for another definition (nothing written).
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(micros / 1000)
local stored = redis.call('GET', KEYS[2])
if stored and stored ~= ARGV[1] then
  return {-1, 0, 0, micros, stored}
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
local granted = 0
if held < tonumber(ARGV[2]) then
  local lease = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  held = held + 1
  granted = 1
  if redis.call('PTTL', KEYS[1]) < lease then
    redis.call('PEXPIRE', KEYS[1], lease)
  end
  if redis.call('PTTL', KEYS[2]) < lease then
    redis.call('SET', KEYS[2], ARGV[1], 'PX', lease)
  end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local earliest = 0
if first[2] then
  earliest = tonumber(first[2]) - now
end
return {granted, held, earliest, micros}
