-- Record worker ARGV[2]'s heartbeat and re-deliver the jobs of workers silent for more than
-- ARGV[4] seconds (at most 100 dead workers per call). Returns the number of jobs re-queued.
-- ARGV: ns, worker, now, dead_after
local ns, worker, now, dead_after = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local workers = ns .. ':workers'
local mine = ns .. ':inflight:' .. worker
redis.call('ZADD', workers, now, mine)
local dead = redis.call('ZRANGEBYSCORE', workers, '-inf', now - dead_after, 'LIMIT', 0, 100)
local requeued = 0
for _, key in ipairs(dead) do
  if key ~= mine then
    for _, id in ipairs(redis.call('SMEMBERS', key)) do
      if redis.call('HEXISTS', ns .. ':data', id) == 1 then
        redis.call('HSET', ns .. ':meta:' .. id, 'status', 'Pending')
        redis.call('HDEL', ns .. ':meta:' .. id, 'locked_by')
        enqueue_id(ns, id, false, now)
        requeued = requeued + 1
      end
    end
    redis.call('DEL', key)
    redis.call('ZREM', workers, key)
  end
end
if requeued > 0 then
  redis.call('DEL', ns .. ':signal')
  redis.call('LPUSH', ns .. ':signal', 1)
  announce(ns, 'image', '')
  announce(ns, 'video', '')
end
return requeued
