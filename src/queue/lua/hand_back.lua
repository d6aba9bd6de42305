-- Hand one job held by `worker` back to the front of the queue, the delivery not counted (it
-- never reached a handler, or the handler was stopped by a graceful shutdown). A function,
-- shared by release.lua and reconcile.lua (see redis.rs). Returns 1 if the job went back.
local function hand_back(ns, worker, id)
  if redis.call('SREM', ns .. ':inflight:' .. worker, id) == 0 then
    return 0
  end
  local meta = ns .. ':meta:' .. id
  if redis.call('HEXISTS', ns .. ':data', id) == 0 then
    return 0
  end
  local holder = redis.call('HGET', meta, 'locked_by')
  if holder and holder ~= worker then
    return 0
  end
  redis.call('HINCRBY', meta, 'deliveries', -1)
  redis.call('HSET', meta, 'status', 'Pending')
  redis.call('HDEL', meta, 'locked_by')
  local time = redis.call('TIME')
  enqueue_id(ns, id, true, tonumber(time[1]) + tonumber(time[2]) / 1e6)
  return 1
end
