"""Who takes part in a shared crawl: the Redis connection, the worker's id and its heartbeat.

A worker is ``<host>:<pid>`` (the run record's ``worker``). It is alive while its key
``xxgk:<crawl>:alive:<worker>`` exists: the key has a TTL (``XXGK_REDIS_LEASE_SECONDS``, 10 s) and a
LoopingCall refreshes it five times per TTL. A worker killed however (SIGKILL, the OOM killer, a
reboot, a cut network) stops refreshing; once the key expires, any other worker puts the requests
the dead one held back into the queue (``scripts.REQUEUE_DEAD``, run when a worker joins, every
lease period, and whenever a worker finds itself idle).

One registry per process and crawl: the crawlers of a multi-site ``xxgk crawl`` share it, and the
last one to stop deletes the key, so that peers know at once that it is gone.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from scrapy_redis.connection import get_redis
from twisted.internet import task

logger = logging.getLogger(__name__)

#: Settings (``crawler/distributed/settings.py`` sets the first two from ``--redis`` / ``--crawl-id``).
URL_SETTING = "XXGK_REDIS_URL"
CRAWL_SETTING = "XXGK_REDIS_CRAWL"
LEASE_SETTING = "XXGK_REDIS_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 10.0

_clients: dict[str, redis.Redis] = {}


def redis_client(url: str) -> redis.Redis:
    """The process's one client of ``url`` (a connection pool; commands from the reactor thread).

    Through scrapy-redis's ``get_redis``, with answers decoded (the frontier holds ASCII JSON), short
    timeouts (a Redis that does not answer in 10 s is down, not slow) and a few retries with backoff
    on connection errors, so that a Redis restart or a network hiccup costs a pause, not the crawl.
    """
    client = _clients.get(url)
    if client is None:
        client = get_redis(
            url=url,
            decode_responses=True,
            socket_timeout=10,
            socket_connect_timeout=5,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), 4),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            health_check_interval=30,
        )
        _clients[url] = client
    return client


def worker_id() -> str:
    """This process as a worker: ``<host>:<pid>`` (host names tell machines apart)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def crawl_prefix(crawl: str) -> str:
    """The prefix of every key of a crawl."""
    return f"xxgk:{crawl}:"


def lease_seconds(settings: Any) -> float:
    """The heartbeat TTL: how long a killed worker's requests wait before another takes them."""
    value = float(settings.getfloat(LEASE_SETTING, DEFAULT_LEASE_SECONDS))
    return max(1.0, value)


class WorkerRegistry:
    """This process's membership in one crawl: its heartbeat key, refreshed from a LoopingCall."""

    def __init__(self, client: redis.Redis, crawl: str, lease: float) -> None:
        self.client = client
        self.crawl = crawl
        self.worker = worker_id()
        self.prefix = crawl_prefix(crawl)
        self.alive_prefix = f"{self.prefix}alive:"
        self.lease_ms = int(lease * 1000)
        self.users = 0
        self.beats = 0  # Redis round trips of the heartbeat, for the overhead measurement
        self._loop: Any = None

    @property
    def alive_key(self) -> str:
        return f"{self.alive_prefix}{self.worker}"

    def beat(self) -> None:
        """Refresh the heartbeat key; a failure is logged and the next beat tries again (the key
        lives a whole lease, five beats)."""
        try:
            self.client.set(self.alive_key, "1", px=self.lease_ms)
            self.beats += 1
        except redis.RedisError as exc:
            logger.warning("Redis heartbeat failed (%s); retrying", exc)

    def start(self) -> None:
        if self._loop is None:
            self.beat()
            self._loop = task.LoopingCall(self.beat)
            # Five beats per lease: two lost beats in a row still leave the worker alive.
            self._loop.start(self.lease_ms / 5000, now=False)

    def stop(self) -> None:
        """Stop beating and delete the key: peers take whatever this worker still holds at once."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None
        try:
            self.client.delete(self.alive_key)
        except redis.RedisError as exc:
            logger.warning("could not unregister from Redis (%s); the heartbeat key expires", exc)


def live_worker_hosts(client: redis.Redis) -> set[str]:
    """The hosts of the live workers of every crawl on this Redis (for the archive's repair: a
    temporary file may be another host's write in progress)."""
    hosts = set()
    for key in client.scan_iter(match="xxgk:*:alive:*", count=1000):
        worker = str(key).split(":alive:", 1)[-1]
        hosts.add(worker.rsplit(":", 1)[0])
    return hosts


_registries: dict[tuple[str, str], WorkerRegistry] = {}


def acquire_registry(url: str, crawl: str, lease: float) -> WorkerRegistry:
    """The process's registry for ``crawl`` on ``url``, started; pair with ``release_registry``."""
    key = (url, crawl)
    registry = _registries.get(key)
    if registry is None:
        registry = _registries[key] = WorkerRegistry(redis_client(url), crawl, lease)
    registry.users += 1
    registry.start()
    return registry


def release_registry(registry: WorkerRegistry) -> None:
    """One user less; the last one stops the heartbeat and unregisters the worker."""
    registry.users -= 1
    if registry.users <= 0:
        registry.stop()
        for key, known in list(_registries.items()):
            if known is registry:
                del _registries[key]
