-- Hand jobs back after a graceful shutdown: to the front of the queue, delivery not counted as a crash.
-- ARGV: ns, worker, id...
local ns, worker = ARGV[1], ARGV[2]
local inflight = ns .. ':inflight:' .. worker
local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('SREM', inflight, id) == 1 then
    local meta = ns .. ':meta:' .. id
    redis.call('HINCRBY', meta, 'deliveries', -1)
    redis.call('HSET', meta, 'status', 'Pending')
    redis.call('HDEL', meta, 'locked_by')
    redis.call('LPUSH', ns .. ':active', id)
    n = n + 1
  end
end
if redis.call('SCARD', inflight) == 0 then
  redis.call('ZREM', ns .. ':workers', inflight)
end
if n > 0 then
  redis.call('PUBLISH', 'tasks:' .. ns .. ':active:available', '')
end
return n
