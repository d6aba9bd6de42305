-- Settle a delivery held by `worker`. Does nothing (returns 0) if the job is no longer in
-- that worker's in-flight set (its lease was lost and someone else owns it now).
-- A function, so the settle-and-fetch script can share it (see redis.rs for the callers).
-- Arguments: ns, worker, id, now, action ('ack' | 'retry' | 'defer' | 'dead' | 'move'), run_at,
--   message, keep
--   ack:   delete payload and metadata; remember the id in {ns}:done (trimmed to `keep`)
--   retry: count the attempt, schedule at run_at (Unix seconds)
--   defer: schedule at run_at without counting an attempt or the delivery (a dependency was
--          down, or the job waits for capacity: not the job's fault, and not a crash)
--   dead:  keep payload and metadata for operators in {ns}:dead (trimmed to `keep`, oldest first)
--   move:  wait in lane `message` ('image' | 'video'), at the front, due at once, without
--          counting an attempt or the delivery (the detected type belongs to that lane)
-- Needs ring.lua's functions (loaded before this file).
local function settle(ns, worker, id, now, action, run_at, message, keep)
  -- Checked first: a script's writes are not rolled back by a later error.
  if action ~= 'ack' and action ~= 'retry' and action ~= 'defer' and action ~= 'dead' and action ~= 'move' then
    return redis.error_reply('settle: unknown action ' .. tostring(action))
  end
  if action == 'move' and message ~= 'image' and message ~= 'video' then
    return redis.error_reply('settle: unknown lane ' .. tostring(message))
  end
  if redis.call('SREM', ns .. ':inflight:' .. worker, id) == 0 then
    return 0
  end
  local meta = ns .. ':meta:' .. id
  local function trim(zset)
    local n = redis.call('ZCARD', zset)
    if n > keep then
      return redis.call('ZRANGE', zset, 0, n - keep - 1)
    end
    return {}
  end
  if action == 'ack' then
    redis.call('HDEL', ns .. ':data', id)
    redis.call('DEL', meta)
    redis.call('ZADD', ns .. ':done', now, id)
    -- The oldest beyond `keep` go, in one call (nothing else refers to them).
    redis.call('ZREMRANGEBYRANK', ns .. ':done', 0, -keep - 1)
  elseif action == 'retry' then
    redis.call('HINCRBY', meta, 'attempts', 1)
    redis.call('HSET', meta, 'status', 'Failed', 'last_error', message, 'run_at', run_at)
    redis.call('HDEL', meta, 'locked_by')
    redis.call('ZADD', ns .. ':scheduled', run_at, id)
  elseif action == 'defer' then
    redis.call('HINCRBY', meta, 'deliveries', -1)
    redis.call('HSET', meta, 'status', 'Failed', 'last_error', message, 'run_at', run_at)
    redis.call('HDEL', meta, 'locked_by')
    redis.call('ZADD', ns .. ':scheduled', run_at, id)
  elseif action == 'move' then
    redis.call('HINCRBY', meta, 'deliveries', -1)
    redis.call('HSET', meta, 'status', 'Pending', 'lane', message)
    -- A job of an older push.lua (no priority) would go back to the single list, which only
    -- the image lane serves: it joins the lanes as normal priority.
    local p = redis.call('HGET', meta, 'priority')
    if p ~= 'high' and p ~= 'normal' and p ~= 'low' then
      redis.call('HSET', meta, 'priority', 'normal')
    end
    redis.call('HDEL', meta, 'locked_by')
    enqueue_id(ns, id, true, now)
    announce(ns, message, id)
  elseif action == 'dead' then
    redis.call('HSET', meta, 'status', 'Killed', 'last_error', message, 'done_at', now)
    redis.call('HDEL', meta, 'locked_by')
    redis.call('ZADD', ns .. ':dead', now, id)
    for _, old in ipairs(trim(ns .. ':dead')) do
      redis.call('ZREM', ns .. ':dead', old)
      redis.call('HDEL', ns .. ':data', old)
      redis.call('DEL', ns .. ':meta:' .. old)
    end
  end
  return 1
end
