-- Take up to `max` due jobs for `worker`. Moves at most 1,000 due retries per call from
-- the scheduled set (never unpacks an unbounded list), marks each job Running in the worker's
-- in-flight set and counts the delivery. Ids whose payload is gone, or that another live
-- delivery already holds, are dropped. An id that is not a plain token (a producer that
-- bypassed push.lua: binary bytes, control characters, over 128 bytes) is dead-lettered here,
-- on its own, and returned so the worker records it: it never fails the batch it came in.
-- A function, so the settle-and-fetch script can share it (see redis.rs for the callers).
-- Arguments: ns, worker, max, now (Unix seconds), weights ("h:n:l" or "strict", see ring.lua),
--   lane ('image' | 'video': whose lists jobs are taken from; due retries of every lane are moved
--   to their own lane's lists), tick (the caller's pick counter, see ring.lua's take_next),
--   register (true: record the worker as alive; a settle-and-fetch leaves that to heartbeats)
-- A payload over 65,536 bytes (push.lua's limit; a producer that bypassed it) is dead-lettered
-- here too, and its id returned apart: it never travels to the daemon, whose connection buffer
-- would keep the memory.
-- Returns { { {id, payload, attempts, deliveries, enqueued_at}... }, next_due_score_or_false,
--           { invalid_id... }, { oversized_id... } }
local function fetch(ns, worker, max, now, weights, lane, tick, register)
  local inflight = ns .. ':inflight:' .. worker
  local scheduled = ns .. ':scheduled'
  if register then
    redis.call('ZADD', ns .. ':workers', now, inflight)
  end
  -- The earliest scheduled job: only when it is due are the due ones moved (one call, not two,
  -- when nothing is due). Taking jobs below never touches the scheduled set, so it is also the
  -- next due time returned.
  local head = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
  local earliest = tonumber(head[2] or '')
  if earliest and earliest <= now then
    local due = redis.call('ZRANGEBYSCORE', scheduled, '-inf', now, 'LIMIT', 0, 1000)
    for _, id in ipairs(due) do
      redis.call('ZREM', scheduled, id)
      redis.call('HSET', ns .. ':meta:' .. id, 'status', 'Pending')
      enqueue_id(ns, id, false, now)
    end
    head = redis.call('ZRANGE', scheduled, 0, 0, 'WITHSCORES')
  end
  local out = {}
  local invalid = {}
  local oversized = {}
  -- Dead-letters an entry where it lies, for the worker to record from its id alone.
  local function bury(id, why, list)
    local meta = ns .. ':meta:' .. id
    redis.call('HSET', meta, 'status', 'Killed', 'last_error', 'invalid job: ' .. why, 'done_at', now)
    redis.call('HDEL', meta, 'locked_by')
    redis.call('ZADD', ns .. ':dead', now, id)
    list[#list + 1] = id
  end
  local guard = 0
  while #out < max and guard < max * 4 + 16 do
    guard = guard + 1
    local id = take_next(ns, lane, weights, (tick or 0) + guard)
    if not id then break end
    local payload = redis.call('HGET', ns .. ':data', id)
    local meta = ns .. ':meta:' .. id
    if #id == 0 or #id > 128 or string.find(id, '[^%w%-_:%.]') then
      bury(id, 'the task id is not a plain token', invalid)
    elseif not payload then
      redis.call('DEL', meta)
    elseif #payload > 65536 then
      bury(id, 'the payload is larger than 65536 bytes', oversized)
    else
      -- One read of the fields this needs (attempts and enqueued_at are not changed below).
      local m = redis.call('HMGET', meta, 'locked_by', 'status', 'attempts', 'enqueued_at', 'deliveries')
      local holder = m[1]
      local held = false
      if holder and m[2] == 'Running' then
        held = redis.call('SISMEMBER', ns .. ':inflight:' .. holder, id) == 1
      end
      if not held then
        redis.call('SADD', inflight, id)
        local deliveries = (tonumber(m[5] or '0') or 0) + 1
        redis.call('HSET', meta, 'status', 'Running', 'locked_by', worker, 'locked_at', now, 'deliveries', deliveries)
        local attempts = tonumber(m[3] or '0') or 0
        local enqueued_at = m[4] or tostring(now)
        out[#out + 1] = { id, payload, attempts, deliveries, enqueued_at }
      end
    end
  end
  return { out, head[2] or false, invalid, oversized }
end
