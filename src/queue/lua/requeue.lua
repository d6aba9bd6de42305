-- Operator actions on one job. ARGV: ns, id, action ('requeue' | 'cancel'), now
--   requeue: a dead job goes back to the queue with its attempt count reset
--   cancel:  a pending or scheduled job is removed (a running one cannot be cancelled here)
-- Returns 1 on success, 0 if the job is not in a state that allows the action.
local ns, id, action, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local meta = ns .. ':meta:' .. id
if action == 'requeue' then
  if redis.call('ZREM', ns .. ':dead', id) == 0 then return 0 end
  if redis.call('HEXISTS', ns .. ':data', id) == 0 then return 0 end
  redis.call('HSET', meta, 'attempts', 0, 'deliveries', 0, 'status', 'Pending')
  enqueue_id(ns, id, false, now)
  announce(ns, 'image', id)
  announce(ns, 'video', id)
  return 1
elseif action == 'cancel' then
  local removed = dequeue_id(ns, id) + redis.call('ZREM', ns .. ':scheduled', id)
  if removed == 0 then return 0 end
  redis.call('HDEL', ns .. ':data', id)
  redis.call('DEL', meta)
  return 1
end
return redis.error_reply('requeue: unknown action ' .. tostring(action))
