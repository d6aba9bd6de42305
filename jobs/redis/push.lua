-- uploadd: enqueue one upload job (Redis wire format v1).
--
-- The job keys follow apalis-redis 1.0 ({ns}:data, {ns}:meta:<id>, {ns}:signal,
-- {ns}:idempotency:<key>, channel tasks:{ns}:active:available); the ready queue is uploadd's own
-- (one list per priority and tenant, below). Jobs an older copy of this script put in the single
-- list {ns}:active are still served (jobs/README.md, "Upgrading from a single-list queue").
-- Every producer (Rust, Python, Node) runs this same script: EVAL <this file> 0 ns id payload idem ttl now
--
-- ARGV[1] namespace (default "uploadd")
-- ARGV[2] task id: the upload id (a UUID)
-- ARGV[3] payload: the job JSON (jobs/upload-job.schema.json)
-- ARGV[4] idempotency key ("" for none); producers pass the upload id
-- ARGV[5] idempotency TTL in seconds
-- ARGV[6] now, Unix seconds (may be fractional)
--
-- The payload's optional `priority` ("high" | "normal" | "low") and `tenant` (1-64 of
-- A-Z a-z 0-9 . _ - :) choose the queue: {ns}:q:{priority}:t:{tenant}, a list per tenant, whose
-- tenant joins the round-robin {ns}:q:{priority}:ring when its list becomes non-empty.
--
-- The lane (jobs/README.md, "Lanes"): `video` when the daemon marked the job's `profile` as
-- video-only (hash {ns}:lanes, profile -> lane, written by the daemon at start) or the
-- `declared_type` starts with "video/"; otherwise `image`. Video-lane jobs wait in
-- {ns}:lane:video:q:{priority}:t:{tenant} and its ring. A job in the wrong lane is moved by the
-- worker once its type is detected, so a producer's guess can only cost time, never the job.
--
-- Returns 1 when the job was enqueued, 0 when the same id (or idempotency key) was already seen.
-- Refuses (an error reply, nothing stored) an id that is not a UUID, a payload over 64 KiB, and
-- a priority or tenant outside the rules above.
local ns, id, payload, idem, ttl, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
if id == nil or id == '' or payload == nil or payload == '' then
  return redis.error_reply('uploadd push: task id and payload are required')
end
local h4, h8, h12 = '%x%x%x%x', '%x%x%x%x%x%x%x%x', '%x%x%x%x%x%x%x%x%x%x%x%x'
if not string.find(id, '^' .. h8 .. '%-' .. h4 .. '%-' .. h4 .. '%-' .. h4 .. '%-' .. h12 .. '$') then
  return redis.error_reply('uploadd push: the task id must be the upload id, a UUID like 0196f0c4-2f7c-7bd3-a1d1-000000000001')
end
if #payload > 65536 then
  return redis.error_reply('uploadd push: the payload is larger than 64 KiB')
end
local priority, tenant, lane = 'normal', '', 'image'
local okjson, job = pcall(cjson.decode, payload)
if okjson and type(job) == 'table' then
  if type(job.profile) == 'string' and redis.call('HGET', ns .. ':lanes', job.profile) == 'video' then
    lane = 'video'
  elseif type(job.declared_type) == 'string' and string.sub(job.declared_type, 1, 6) == 'video/' then
    lane = 'video'
  end
  if job.priority ~= nil and job.priority ~= cjson.null then
    priority = job.priority
    if priority ~= 'high' and priority ~= 'normal' and priority ~= 'low' then
      return redis.error_reply('uploadd push: priority must be "high", "normal" or "low"')
    end
  end
  if job.tenant ~= nil and job.tenant ~= cjson.null then
    tenant = job.tenant
    if type(tenant) ~= 'string' or #tenant == 0 or #tenant > 64 or string.find(tenant, '[^%w%.%-_:]') then
      return redis.error_reply('uploadd push: tenant must be 1-64 characters of A-Z a-z 0-9 . _ - :')
    end
  end
end
if idem ~= nil and idem ~= '' then
  local ok = redis.call('SET', ns .. ':idempotency:' .. idem, id, 'NX', 'EX', math.max(1, math.floor(ttl or 86400)))
  if not ok then
    return 0
  end
end
if redis.call('HSETNX', ns .. ':data', id, payload) == 0 then
  return 0
end
redis.call('HSET', ns .. ':meta:' .. id,
  'attempts', 0, 'deliveries', 0, 'max_attempts', 25, 'status', 'Pending',
  'idempotency_key', idem or '', 'enqueued_at', now, 'priority', priority, 'tenant', tenant, 'lane', lane)
local q, counted = ns .. ':q:' .. priority, priority
if lane == 'video' then
  q, counted = ns .. ':lane:video:q:' .. priority, 'video:' .. priority
end
if redis.call('RPUSH', q .. ':t:' .. tenant, id) == 1 then
  redis.call('RPUSH', q .. ':ring', tenant)
end
redis.call('ZADD', ns .. ':q:waiting', now, id)
redis.call('HINCRBY', ns .. ':q:counts', counted, 1)
redis.call('ZINCRBY', ns .. ':q:backlog', 1, tenant)
redis.call('DEL', ns .. ':signal')
redis.call('LPUSH', ns .. ':signal', 1)
if lane == 'video' then
  redis.call('PUBLISH', 'tasks:' .. ns .. ':lane:video:available', id)
else
  redis.call('PUBLISH', 'tasks:' .. ns .. ':active:available', id)
end
return 1
