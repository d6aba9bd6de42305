-- Hand jobs back after a graceful shutdown: to the front of the queue, delivery not counted as a crash.
-- ARGV: ns, worker, id...
local ns, worker = ARGV[1], ARGV[2]
local inflight = ns .. ':inflight:' .. worker
local n = 0
for i = 3, #ARGV do
  n = n + hand_back(ns, worker, ARGV[i])
end
if redis.call('SCARD', inflight) == 0 then
  redis.call('ZREM', ns .. ':workers', inflight)
end
if n > 0 then
  announce(ns, 'image', '')
  announce(ns, 'video', '')
end
return n
