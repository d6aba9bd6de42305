-- Queue depth by state. ARGV: ns. Returns {pending, scheduled, running, dead, workers, oldest_pending_enqueued_at_or_0}
local ns = ARGV[1]
local running = 0
for _, key in ipairs(redis.call('ZRANGE', ns .. ':workers', 0, -1)) do
  running = running + redis.call('SCARD', key)
end
local oldest = 0
local first = redis.call('LINDEX', ns .. ':active', 0)
if first then
  oldest = redis.call('HGET', ns .. ':meta:' .. first, 'enqueued_at') or 0
end
return {
  redis.call('LLEN', ns .. ':active'),
  redis.call('ZCARD', ns .. ':scheduled'),
  running,
  redis.call('ZCARD', ns .. ':dead'),
  redis.call('ZCARD', ns .. ':workers'),
  tostring(oldest),
}
