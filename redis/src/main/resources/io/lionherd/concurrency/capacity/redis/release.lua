-- Release a permit of a shared concurrency limit (see HolderScripts).
-- KEYS[1] the holders; ARGV[1] the permit's id, ARGV[2] the limit's channel
-- Publishes the holders left if it still held. Returns {1 | 0, holders, now in micros}.
local t = redis.call('TIME')
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if removed == 1 then
  redis.call('PUBLISH', ARGV[2], held)
end
return {removed, held, tonumber(t[1]) * 1000000 + tonumber(t[2])}
