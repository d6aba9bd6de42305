-- Hand back the jobs worker ARGV[2] holds here but not in memory. A fetch whose reply was lost
-- (a response timeout, a dropped connection) left them in the worker's in-flight set, where
-- nobody would ever run them while the worker lives and heartbeats. They go to the front of
-- the queue; the delivery is not counted (it never reached a handler).
-- The caller holds off its own fetches meanwhile, so "not in memory" means "lost".
-- ARGV: ns, worker, held id...
local ns, worker = ARGV[1], ARGV[2]
local held = {}
for i = 3, #ARGV do
  held[ARGV[i]] = true
end
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', ns .. ':inflight:' .. worker)) do
  if not held[id] then
    n = n + hand_back(ns, worker, id)
  end
end
if n > 0 then
  announce(ns, 'image', '')
  announce(ns, 'video', '')
end
return n
