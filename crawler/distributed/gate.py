"""``RedisGate``: one politeness for every worker of a shared crawl (``crawler/politeness.py``).

Per host, kept in Redis under ``xxgk:gate:<host>:`` (not per crawl: two crawls of one portal on one
Redis are gentle together too):

- ``next``: the earliest start time of the host's next request. ``enter`` reserves a start time
  with a Lua script that reads the clock of Redis (``TIME``, so that the workers' clocks do not
  matter): ``start = max(now, next)``, and ``next = start + delay``. The worker then sleeps until
  its start. The delay is ``DOWNLOAD_DELAY`` with ``DOWNLOAD_DELAY_JITTER`` (drawn per request), as
  configured before ``--redis`` set the local delay to 0.
- ``holders``: a sorted set of the requests on the wire (``CONCURRENT_REQUESTS_PER_DOMAIN`` at most,
  for all workers together), each with the expiry of its lease as score. A worker refreshes its
  leases from a LoopingCall; a dead worker's leases expire and its slots come back.
- ``line``: the requests waiting for a slot, first come first served (tickets); a waiter that
  stops asking (a dead worker) leaves it once its place's lease expires.
- ``pause``: the time until which nobody sends to the host (``pause``, from ``Retry-After``).

A worker's requests to one host queue on a local lock, so that only one of them asks Redis at a
time (and the line takes turns between workers). A concurrency slot is taken before the start time
is reserved: a reservation made while waiting for a slot could be spent late, closer than the delay
to the next worker's start.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from typing import Any

import redis
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.distributed.registry import URL_SETTING, lease_seconds, redis_client, worker_id

logger = logging.getLogger(__name__)

#: The delay and jitter the gate keeps (``settings.RedisAddon`` copies them from DOWNLOAD_DELAY and
#: DOWNLOAD_DELAY_JITTER before it sets the local delay to 0).
DELAY_SETTING = "XXGK_GATE_DELAY"
JITTER_SETTING = "XXGK_GATE_JITTER"
PREFIX = "xxgk:gate:"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

#: ARGV: host prefix, limit, lease (ms), delay (ms), token. Returns {1, ms to wait before sending}
#: with a slot taken and a start reserved, {0, ms the pause lasts} for a paused host, or
#: {2, ms to the next reserved start} while the slots are taken or others are first in line.
#: Waiters queue by ticket (first come, first served: without a line the worker that happens to ask
#: right after a slot frees would win it every time); a waiter that stops asking for a lease (a dead
#: worker) leaves the line.
ENTER = (
    _NOW
    + """
local base, token = ARGV[1], ARGV[5]
local limit, lease, delay = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local holders, next_key, line, alive = base .. 'holders', base .. 'next', base .. 'line', base .. 'line_alive'
if not redis.call('ZSCORE', line, token) then
  redis.call('ZADD', line, redis.call('INCR', base .. 'ticket'), token)
end
redis.call('ZADD', alive, string.format('%d', now + lease), token)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', alive, '-inf', now)) do
  redis.call('ZREM', line, gone)
  redis.call('ZREM', alive, gone)
end
for _, key in ipairs({line, alive, base .. 'ticket'}) do
  redis.call('PEXPIRE', key, string.format('%d', 2 * lease))
end
local paused = tonumber(redis.call('GET', base .. 'pause') or '0')
if paused > now then
  return {0, paused - now}
end
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
local next_start = tonumber(redis.call('GET', next_key) or '0')
if limit > 0 and redis.call('ZRANK', line, token) >= limit - redis.call('ZCARD', holders) then
  return {2, math.max(next_start - now, 0)}
end
redis.call('ZREM', line, token)
redis.call('ZREM', alive, token)
redis.call('ZADD', holders, string.format('%d', now + lease), token)
redis.call('PEXPIRE', holders, string.format('%d', 2 * lease))
local start = math.max(now, next_start)
if delay > 0 then
  local after = start + delay
  redis.call('SET', next_key, string.format('%d', after), 'PX', string.format('%d', after - now + 1000))
end
return {1, start - now}
"""
)

#: ARGV: host prefix, delay (ms). The request is leaving now: the host's next start is at least
#: a delay from now. The reservation spaced the planned starts; this spaces the real ones, when a
#: busy event loop woke the sleeper late or Redis answered slowly.
STARTED = (
    _NOW
    + """
local key, delay = ARGV[1] .. 'next', tonumber(ARGV[2])
if delay > 0 and now + delay > tonumber(redis.call('GET', key) or '0') then
  redis.call('SET', key, string.format('%d', now + delay), 'PX', string.format('%d', delay + 1000))
end
return 1
"""
)

#: ARGV: host prefix, pause (ms). A longer pause already set stands.
PAUSE = (
    _NOW
    + """
local key, ms = ARGV[1] .. 'pause', tonumber(ARGV[2])
local current = tonumber(redis.call('GET', key) or '0')
if now + ms > current then
  redis.call('SET', key, string.format('%d', now + ms), 'PX', string.format('%d', ms + 1000))
end
return 1
"""
)

#: ARGV: lease (ms), then (holders key, token) pairs: the leases of requests still on the wire.
REFRESH = (
    _NOW
    + """
local lease = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('ZADD', ARGV[i], 'XX', string.format('%d', now + lease), ARGV[i + 1])
  redis.call('PEXPIRE', ARGV[i], string.format('%d', 2 * lease))
end
return 1
"""
)


class RedisGate:
    """Delay, concurrency and pauses per host for all workers together (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.client = redis_client(str(settings.get(URL_SETTING)))
        self.stats = crawler.stats
        self.delay = max(0.0, settings.getfloat(DELAY_SETTING, settings.getfloat("DOWNLOAD_DELAY")))
        self.jitter = max(0.0, settings.getfloat(JITTER_SETTING, settings.getfloat("DOWNLOAD_DELAY_JITTER")))
        self.limit = max(0, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.lease_ms = int(lease_seconds(settings) * 1000)
        self.worker = worker_id()
        self._serial = itertools.count(1)
        self._held: dict[str, list[str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._enter = self.client.register_script(ENTER)
        self._pause = self.client.register_script(PAUSE)
        self._started = self.client.register_script(STARTED)
        self._refresh = self.client.register_script(REFRESH)
        self._loop: Any = task.LoopingCall(self._refresh_leases)
        self._loop.start(self.lease_ms / 5000, now=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisGate:
        return cls(crawler)

    def _count(self, key: str, value: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, value)

    def _call(self, script: Any, *args: Any) -> Any:
        self._count("xxgk/redis/round_trips/gate")
        return script(args=list(args))

    def _delay_ms(self) -> int:
        delay = self.delay
        if self.jitter:
            # As Scrapy's download slots: the delay varies by ±jitter, never below 0.
            delay = max(0.0, delay * (1 + random.uniform(-self.jitter, self.jitter)))
        return int(delay * 1000)

    async def enter(self, host: str) -> None:
        """Take one of the host's slots, reserve a start time, and sleep until it."""
        token = f"{self.worker}:{next(self._serial)}"
        lock = self._locks.setdefault(host, asyncio.Lock())
        taken = False
        try:
            async with lock:
                while True:
                    try:
                        delay_ms = self._delay_ms()
                        taken_flag, wait_ms = self._call(
                            self._enter, f"{PREFIX}{host}:", self.limit, self.lease_ms, delay_ms, token
                        )
                    except redis.RedisError as exc:
                        # No politeness without Redis: wait for it rather than send unchecked.
                        logger.warning("Redis failed at the gate of %s (%s); waiting", host, exc)
                        await asyncio.sleep(1.0)
                        continue
                    if taken_flag == 1:
                        taken = True
                        self._held.setdefault(host, []).append(token)
                        break
                    if taken_flag == 0:
                        # Paused: asked again every few seconds (a longer pause may come), within
                        # the lease of this worker's place in the line.
                        wait = min(wait_ms / 1000, 5.0, self.lease_ms / 2000)
                        self._count("xxgk/gate/paused_ms", int(wait * 1000))
                        await asyncio.sleep(wait)
                    else:
                        # Every slot taken: a slot freed now would start at the next reserved
                        # start anyway, so wait that long (20–250 ms).
                        await asyncio.sleep(min(max(wait_ms / 1000, 0.02), 0.25))
            if wait_ms > 0:
                self._count("xxgk/gate/waited_ms", wait_ms)
                await asyncio.sleep(wait_ms / 1000)
            if delay_ms > 0:
                # No await between this and the handler's send.
                self._call(self._started, f"{PREFIX}{host}:", delay_ms)
        except BaseException:
            if taken:
                self.leave(host)  # cancelled while waiting for its start: the slot goes back
            else:
                self._leave_line(host, token)  # cancelled in the line: the next one moves up
            raise

    def leave(self, host: str) -> None:
        """The request is answered (or failed): its slot goes back."""
        tokens = self._held.get(host)
        if not tokens:
            return
        token = tokens.pop()
        try:
            self._count("xxgk/redis/round_trips/gate")
            self.client.zrem(PREFIX + host + ":holders", token)
        except redis.RedisError as exc:
            logger.warning("Redis failed freeing a slot of %s (%s); its lease expires", host, exc)

    def _leave_line(self, host: str, token: str) -> None:
        try:
            self._count("xxgk/redis/round_trips/gate")
            self.client.zrem(f"{PREFIX}{host}:line", token)
        except redis.RedisError as exc:
            logger.warning("Redis failed leaving the line of %s (%s); the place expires", host, exc)

    def pause(self, host: str, seconds: float) -> None:
        """Nobody sends to ``host`` for ``seconds`` from now."""
        try:
            self._call(self._pause, PREFIX + host + ":", int(max(0.0, seconds) * 1000))
        except redis.RedisError as exc:
            logger.warning("Redis failed pausing %s (%s)", host, exc)

    def _refresh_leases(self) -> None:
        pairs = [
            value
            for host, tokens in self._held.items()
            for token in tokens
            for value in (PREFIX + host + ":holders", token)
        ]
        if not pairs:
            return
        try:
            self._call(self._refresh, self.lease_ms, *pairs)
        except redis.RedisError as exc:
            logger.warning("Redis failed refreshing the gate's leases (%s)", exc)

    def close(self) -> None:
        """Stop refreshing and give every slot still held back."""
        if self._loop.running:
            self._loop.stop()
        for host, tokens in list(self._held.items()):
            while tokens:
                self.leave(host)
