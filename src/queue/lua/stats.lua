-- Queue depth by state. ARGV: ns, top (how many tenants to list), live_since (heartbeats at or
-- after it are live).
-- Returns {pending, scheduled, running, dead, workers, oldest_pending_time_or_0,
--          {high, normal, low}, {tenant, jobs, tenant, jobs, ...}, {image, video},
--          {live image loops, live video loops}}
-- O(workers + top): the waiting counters are kept by push.lua and ring.lua.
local ns, top, live_since = ARGV[1], tonumber(ARGV[2]) or 10, tonumber(ARGV[3]) or 0
local running = 0
local live = { 0, 0 }
local prefix = ns .. ':inflight:'
local workers = redis.call('ZRANGE', ns .. ':workers', 0, -1, 'WITHSCORES')
for i = 1, #workers, 2 do
  local key = workers[i]
  running = running + redis.call('SCARD', key)
  if tonumber(workers[i + 1]) >= live_since then
    -- A video loop's worker name ends in `.video` (worker::lane_worker_name).
    local lane = string.sub(key, -6) == '.video' and 2 or 1
    if string.sub(key, 1, #prefix) == prefix then
      live[lane] = live[lane] + 1
    end
  end
end
local oldest = false
local first = redis.call('LINDEX', ns .. ':active', 0)
if first then
  oldest = tonumber(redis.call('HGET', ns .. ':meta:' .. first, 'enqueued_at') or '')
end
local w = redis.call('ZRANGE', ns .. ':q:waiting', 0, 0, 'WITHSCORES')
if w[2] and (not oldest or tonumber(w[2]) < oldest) then
  oldest = tonumber(w[2])
end
local legacy = redis.call('LLEN', ns .. ':active')
local counts = redis.call('HMGET', ns .. ':q:counts', 'high', 'normal', 'low', 'video:high', 'video:normal', 'video:low')
local by, lanes = {}, { legacy, 0 }
for i = 1, 3 do
  local image = math.max(0, tonumber(counts[i] or '0') or 0)
  local video = math.max(0, tonumber(counts[i + 3] or '0') or 0)
  by[i] = image + video
  lanes[1] = lanes[1] + image
  lanes[2] = lanes[2] + video
end
by[2] = by[2] + legacy
local tenants = {}
if top > 0 then
  tenants = redis.call('ZREVRANGE', ns .. ':q:backlog', 0, top - 1, 'WITHSCORES')
end
return {
  legacy + redis.call('ZCARD', ns .. ':q:waiting'),
  redis.call('ZCARD', ns .. ':scheduled'),
  running,
  redis.call('ZCARD', ns .. ':dead'),
  redis.call('ZCARD', ns .. ':workers'),
  tostring(oldest or 0),
  by,
  tenants,
  lanes,
  live,
}
