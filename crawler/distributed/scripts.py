"""The Lua scripts of the shared frontier: each step that must not be seen half-done by another
worker (or cut in half by a kill) is one script, which Redis runs atomically.

Keys of a site's frontier, under ``<prefix>`` = ``xxgk:<crawl id>:site:<site>:`` (docs/distributed.md):

- ``queue``: sorted set of requests; score ``-priority``, member ``<16-digit sequence>|<JSON>`` (the
  sequence keeps equal priorities first-in first-out, and two equal requests apart);
- ``seen``: set of request fingerprints (the duplicate filter);
- ``seq``: the sequence counter;
- ``workers``: set of the worker ids that took part;
- ``inflight:<worker>``: hash member → score, the requests a worker has taken and not finished;
  the field ``~start`` marks a worker still reading its spider's start requests;
- ``parked:<worker>``: attachments fetched whose documents the worker writes after the crawl;
- ``state``: hash ``generation`` (the crawl's number, 1, 2, …) and ``done`` (``1`` once complete).

A worker is alive while ``xxgk:<crawl id>:alive:<worker>`` exists (a key with a TTL that its
heartbeat refreshes). Keys are built inside the scripts from the prefixes passed as arguments, so
the frontier needs one Redis server (or a primary with replicas), not a Redis Cluster.
"""

from __future__ import annotations

#: The field of an in-flight hash that marks a worker still reading its start requests.
STARTING = "~start"

_HELPERS = """
local function requeue(queue, hash)
  local moved = 0
  local entries = redis.call('HGETALL', hash)
  for i = 1, #entries, 2 do
    if entries[i] ~= '~start' then
      redis.call('ZADD', queue, entries[i + 1], entries[i])
      moved = moved + 1
    end
  end
  redis.call('DEL', hash)
  return moved
end

local function pending_of(site, w)
  local n = redis.call('HLEN', site .. 'inflight:' .. w) + redis.call('HLEN', site .. 'parked:' .. w)
  return n - redis.call('HEXISTS', site .. 'inflight:' .. w, '~start')
end

local function requeue_dead(site, alive)
  local moved = 0
  local workers = site .. 'workers'
  for _, w in ipairs(redis.call('SMEMBERS', workers)) do
    if redis.call('EXISTS', alive .. w) == 0 then
      moved = moved + requeue(site .. 'queue', site .. 'inflight:' .. w)
      moved = moved + requeue(site .. 'queue', site .. 'parked:' .. w)
      redis.call('SREM', workers, w)
    end
  end
  return moved
end
"""

#: ARGV: site prefix, alive prefix, worker, heartbeat TTL (ms). Returns {generation, requeued}.
#: Registers the worker (its heartbeat first, so that a worker joining at the same moment sees it
#: alive), then either joins the crawl under way or starts the next one: when the last one is done,
#: or when no other worker is alive and nothing is left to do (every worker stopped right at the
#: end). Dead workers' requests go back to the queue (a new crawl's queue when it starts one).
JOIN = (
    _HELPERS
    + """
local site, alive, me, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local queue, state = site .. 'queue', site .. 'state'
redis.call('SET', alive .. me, '1', 'PX', ttl)
local generation = tonumber(redis.call('HGET', state, 'generation') or '0')
local done = redis.call('HGET', state, 'done') == '1'
local others, pending = false, redis.call('ZCARD', queue) + pending_of(site, me)
for _, w in ipairs(redis.call('SMEMBERS', site .. 'workers')) do
  if w ~= me then
    if redis.call('EXISTS', alive .. w) == 1 then
      others = true
    else
      pending = pending + pending_of(site, w)
    end
  end
end
if generation == 0 or done or (not others and pending == 0) then
  redis.call('DEL', queue, site .. 'seen')
  generation = generation + 1
  redis.call('HSET', state, 'generation', generation, 'done', '0')
end
-- Entries under this worker's own id are an earlier process's (same host, pid reused): not ours.
local moved = requeue(queue, site .. 'inflight:' .. me) + requeue(queue, site .. 'parked:' .. me)
moved = moved + requeue_dead(site, alive)
redis.call('SADD', site .. 'workers', me)
return {generation, moved}
"""
)

#: ARGV: site prefix, fingerprint ('' for dont_filter), score, request JSON. Returns 1 when queued,
#: 0 when the fingerprint was seen. Seen-marking and queueing in one step: a kill between the two
#: would leave a request marked seen that nobody will fetch.
PUSH = """
local site, fp = ARGV[1], ARGV[2]
if fp ~= '' and redis.call('SADD', site .. 'seen', fp) == 0 then
  return 0
end
local n = redis.call('INCR', site .. 'seq')
redis.call('ZADD', site .. 'queue', ARGV[3], string.format('%016d', n) .. '|' .. ARGV[4])
return 1
"""

#: ARGV: site prefix, worker. Returns the member taken (nil when the queue is empty), moved into
#: the worker's in-flight hash in the same step: a worker killed right after still holds it there,
#: and it goes back to the queue when its heartbeat expires.
POP = """
local site, me = ARGV[1], ARGV[2]
local got = redis.call('ZRANGE', site .. 'queue', 0, 0, 'WITHSCORES')
if #got == 0 then
  return false
end
redis.call('ZREM', site .. 'queue', got[1])
redis.call('HSET', site .. 'inflight:' .. me, got[1], got[2])
redis.call('SADD', site .. 'workers', me)
return got[1]
"""

#: ARGV: site prefix, worker, member. An attachment whose document is written after the crawl: kept
#: (out of the in-flight count, so the crawl can complete) until the worker has written it.
PARK = """
local site, me, member = ARGV[1], ARGV[2], ARGV[3]
local score = redis.call('HGET', site .. 'inflight:' .. me, member)
if score then
  redis.call('HDEL', site .. 'inflight:' .. me, member)
  redis.call('HSET', site .. 'parked:' .. me, member, score)
end
return score and 1 or 0
"""

#: ARGV: site prefix, worker. A worker stopping (SIGTERM, SIGINT, a closed spider) puts back what
#: it holds at once, rather than when its heartbeat expires. Returns the number put back.
GIVE_BACK = (
    _HELPERS
    + """
local site, me = ARGV[1], ARGV[2]
return requeue(site .. 'queue', site .. 'inflight:' .. me)
"""
)

#: ARGV: site prefix, alive prefix. Returns the number of requests put back from dead workers.
REQUEUE_DEAD = (
    _HELPERS
    + """
return requeue_dead(ARGV[1], ARGV[2])
"""
)

#: ARGV: site prefix, alive prefix, the caller's generation. Returns {verdict, requeued}: ``done``
#: (the crawl is complete, or a newer one started), ``work`` (requests are queued) or ``busy``
#: (a live worker still holds requests in flight, or still reads its start requests). The first
#: worker to find the queue empty and nothing in flight marks the crawl done.
CHECK = (
    _HELPERS
    + """
local site, alive, mine = ARGV[1], ARGV[2], tonumber(ARGV[3])
local moved = requeue_dead(site, alive)
local state = site .. 'state'
if tonumber(redis.call('HGET', state, 'generation') or '0') ~= mine
    or redis.call('HGET', state, 'done') == '1' then
  return {'done', moved}
end
if redis.call('ZCARD', site .. 'queue') > 0 then
  return {'work', moved}
end
for _, w in ipairs(redis.call('SMEMBERS', site .. 'workers')) do
  if redis.call('HLEN', site .. 'inflight:' .. w) > 0 then
    return {'busy', moved}
  end
end
redis.call('HSET', state, 'done', '1')
return {'done', moved}
"""
)
