-- uploadd: enqueue one upload job (Redis wire format v1).
--
-- The key layout follows apalis-redis 1.0 ({ns}:data, {ns}:meta:<id>, {ns}:active, {ns}:signal,
-- {ns}:idempotency:<key>, channel tasks:{ns}:active:available), so apalis-style producers interoperate.
-- Every producer (Rust, Python, Node) runs this same script: EVAL <this file> 0 ns id payload idem ttl now
--
-- ARGV[1] namespace (default "uploadd")
-- ARGV[2] task id: the upload id (a UUID)
-- ARGV[3] payload: the job JSON (jobs/upload-job.schema.json)
-- ARGV[4] idempotency key ("" for none); producers pass the upload id
-- ARGV[5] idempotency TTL in seconds
-- ARGV[6] now, Unix seconds (may be fractional)
--
-- Returns 1 when the job was enqueued, 0 when the same id (or idempotency key) was already seen.
-- Refuses (an error reply, nothing stored) an id that is not a UUID and a payload over 64 KiB.
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
  'idempotency_key', idem or '', 'enqueued_at', now)
redis.call('RPUSH', ns .. ':active', id)
redis.call('DEL', ns .. ':signal')
redis.call('LPUSH', ns .. ':signal', 1)
redis.call('PUBLISH', 'tasks:' .. ns .. ':active:available', id)
return 1
