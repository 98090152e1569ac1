-- Renew the permits one instance holds of a shared concurrency limit (see HolderScripts).
-- KEYS[1] the holders, KEYS[2] the definition; ARGV[1] the lease in ms, ARGV[2..] the ids
-- Returns {holders, now in micros, ids whose lease had ended (not renewed)...}.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local micros = tonumber(t[1]) * 1000000 + tonumber(t[2])
local now = math.floor(micros / 1000)
local lease = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local reply = {0, micros}
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
  else
    reply[#reply + 1] = ARGV[i]
  end
end
reply[1] = redis.call('ZCARD', KEYS[1])
if reply[1] > 0 then
  -- Both keys live as long as the longest lease (PEXPIRE on a missing key does nothing).
  if redis.call('PTTL', KEYS[1]) < lease then
    redis.call('PEXPIRE', KEYS[1], lease)
  end
  if redis.call('PTTL', KEYS[2]) < lease then
    redis.call('PEXPIRE', KEYS[2], lease)
  end
end
return reply
