-- Where jobs wait, and which one runs next (functions shared by every script that moves jobs;
-- see redis.rs). A job pushed by push.lua waits in {ns}:q:{priority}:t:{tenant}, one list per
-- tenant; a tenant is in the round-robin list {ns}:q:{priority}:ring while its list is not
-- empty. {ns}:q:waiting (id -> since when), {ns}:q:counts (priority -> jobs) and
-- {ns}:q:backlog (tenant -> jobs) are the counters `uploadd jobs stats` and the metrics read.
-- Jobs pushed by an older push.lua (no `priority` in their meta) wait in the single list
-- {ns}:active and are served as normal priority of the image lane, one turn in eight while both
-- have work.
-- Lanes: a job whose meta says `lane` = video waits in {ns}:lane:video:q:{priority}:t:{tenant}
-- (its own rings, counted as `video:{priority}` in {ns}:q:counts); every other job is in the
-- image lane, the keys above. Each lane is fetched on its own (fetch.lua's `lane` argument).
-- Every operation here is O(1) or O(log n): no call walks the tenants or the jobs.

local PRIORITIES = { 'high', 'normal', 'low' }
local KNOWN = { high = true, normal = true, low = true }

-- The prefix of a lane's lists ('video', or anything else: image) and its counter field.
local function lane_q(ns, lane)
  if lane == 'video' then return ns .. ':lane:video:q:' end
  return ns .. ':q:'
end
local function lane_count(lane, p)
  if lane == 'video' then return 'video:' .. p end
  return p
end

-- Wakes the idle workers of a lane: image on apalis's channel, video on its own.
local function announce(ns, lane, msg)
  if lane == 'video' then
    redis.call('PUBLISH', 'tasks:' .. ns .. ':lane:video:available', msg)
  else
    redis.call('PUBLISH', 'tasks:' .. ns .. ':active:available', msg)
  end
end

local function waiting_add(ns, lane, p, t, id, now)
  redis.call('ZADD', ns .. ':q:waiting', now, id)
  redis.call('HINCRBY', ns .. ':q:counts', lane_count(lane, p), 1)
  redis.call('ZINCRBY', ns .. ':q:backlog', 1, t)
end

local function waiting_remove(ns, lane, p, t, id)
  redis.call('ZREM', ns .. ':q:waiting', id)
  redis.call('HINCRBY', ns .. ':q:counts', lane_count(lane, p), -1)
  if tonumber(redis.call('ZINCRBY', ns .. ':q:backlog', -1, t)) <= 0 then
    redis.call('ZREM', ns .. ':q:backlog', t)
  end
end

-- Puts job `id` back in its queue: at the front (handed back, never ran) or the back.
local function enqueue_id(ns, id, front, now)
  local pt = redis.call('HMGET', ns .. ':meta:' .. id, 'priority', 'tenant', 'lane')
  local p = pt[1]
  local push = front and 'LPUSH' or 'RPUSH'
  -- No priority (an older push.lua), or one no ring serves (meta written by hand): the single
  -- list, which is always served, rather than a list nobody reads.
  if not KNOWN[p] then
    redis.call(push, ns .. ':active', id)
    return
  end
  local t = pt[2] or ''
  local lane = pt[3]
  local q = lane_q(ns, lane) .. p
  if redis.call(push, q .. ':t:' .. t, id) == 1 then
    redis.call(push, q .. ':ring', t)
  end
  waiting_add(ns, lane, p, t, id, now)
end

-- Removes a waiting job from its queue (operator cancel). Returns 1 if it was waiting.
local function dequeue_id(ns, id)
  local pt = redis.call('HMGET', ns .. ':meta:' .. id, 'priority', 'tenant', 'lane')
  local p = pt[1]
  if not KNOWN[p] then
    return redis.call('LREM', ns .. ':active', 1, id)
  end
  local t = pt[2] or ''
  local lane = pt[3]
  local q = lane_q(ns, lane) .. p
  if redis.call('LREM', q .. ':t:' .. t, 1, id) == 0 then
    return 0
  end
  waiting_remove(ns, lane, p, t, id)
  if redis.call('LLEN', q .. ':t:' .. t) == 0 then
    redis.call('LREM', q .. ':ring', 1, t)
  end
  return 1
end

-- The next job of priority `p` in `lane`: the tenant at the head of the ring gives one job and
-- moves to the back. A tenant whose list is empty leaves the ring (lazily, too, after a cancel).
-- The single list of older producers is served by the image lane.
local function take_from(ns, lane, p, tick)
  local q = lane_q(ns, lane) .. p
  local ring = q .. ':ring'
  local legacy = p == 'normal' and lane ~= 'video'
  -- One normal turn in eight goes to the single list first (and every turn once the rings
  -- are empty, below): it drains alongside new work at the cost of one call in eight.
  if legacy and tick % 8 == 0 then
    local old = redis.call('LPOP', ns .. ':active')
    if old then return old end
  end
  for _ = 1, 8 do
    local t = redis.call('LMOVE', ring, ring, 'LEFT', 'RIGHT')
    if not t then break end
    local list = q .. ':t:' .. t
    local id = redis.call('LPOP', list)
    if redis.call('LLEN', list) == 0 then
      -- `t` was just rotated to the tail.
      redis.call('RPOP', ring)
    end
    if id then
      waiting_remove(ns, lane, p, t, id)
      return id
    end
  end
  if legacy then
    return redis.call('LPOP', ns .. ':active')
  end
  return false
end

-- The next job of any priority. `weights` "h:n:l" serves high, normal and low in that ratio
-- while all have work (an empty priority gives its turn to the others, high first); "strict"
-- always serves the highest priority that has work. `tick` counts the caller's picks (the
-- daemon's own counter: no shared key to write on every pick).
local function take_next(ns, lane, weights, tick)
  local first = 1
  local h, n, l = string.match(weights or '', '^(%d+):(%d+):(%d+)$')
  if h then
    h, n, l = tonumber(h), tonumber(n), tonumber(l)
    local total = h + n + l
    if total > 0 then
      local slot = tick % total
      if slot < h then first = 1 elseif slot < h + n then first = 2 else first = 3 end
    end
  end
  local id = take_from(ns, lane, PRIORITIES[first], tick)
  if id then return id end
  for i = 1, 3 do
    if i ~= first then
      id = take_from(ns, lane, PRIORITIES[i], tick)
      if id then return id end
    end
  end
  return false
end
