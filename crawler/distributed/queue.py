"""The shared frontier of one site: a Redis priority queue whose pop is a lease, not a removal.

Built on scrapy-redis's queue base class (request ↔ dict ↔ serializer, one key per queue); what it
adds is crash safety. scrapy-redis's ``PriorityQueue.pop`` removes the request from Redis: a worker
killed after the pop loses it. Here a pop moves the request into the worker's in-flight hash in
the same Lua script (``scripts.POP``); the scheduler acknowledges it (``ack``) only when Scrapy has
completely finished with it, and a dead worker's in-flight requests go back to the queue.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider
from scrapy_redis.queue import Base

from crawler.distributed import scripts, serializer
from crawler.distributed.registry import WorkerRegistry

#: Request meta that describes a past response, not the request: not put into Redis. The exchange
#: (crawler/exchange.py) carries a whole body, and is recorded again when the request is fetched.
TRANSIENT_META = ("xxgk_exchange", "download_latency", "download_slot")


class LeasedQueue(Base):  # type: ignore[misc]
    """Requests of one site in a sorted set; ``pop`` leases, ``ack`` finishes, ``park`` defers."""

    def __init__(self, server: Any, spider: Spider, registry: WorkerRegistry) -> None:
        self.site_prefix = f"{registry.prefix}site:{spider.name}:"
        # "%" is scrapy-redis's key template marker: escape it in a crawl id or site name.
        super().__init__(
            server, spider, (self.site_prefix + "queue").replace("%", "%%"), serializer=serializer
        )
        self.registry = registry
        self.round_trips = 0
        self._push = server.register_script(scripts.PUSH)
        self._pop = server.register_script(scripts.POP)
        self._park = server.register_script(scripts.PARK)
        self._give_back = server.register_script(scripts.GIVE_BACK)
        self._requeue_dead = server.register_script(scripts.REQUEUE_DEAD)
        self._check = server.register_script(scripts.CHECK)
        self._join = server.register_script(scripts.JOIN)

    @property
    def worker(self) -> str:
        return self.registry.worker

    def inflight_key(self, worker: str | None = None) -> str:
        return f"{self.site_prefix}inflight:{worker or self.worker}"

    def parked_key(self, worker: str | None = None) -> str:
        return f"{self.site_prefix}parked:{worker or self.worker}"

    def _run(self, script: Any, *args: Any) -> Any:
        self.round_trips += 1
        return script(args=list(args))

    # scrapy-redis's interface ----------------------------------------------------------------

    def __len__(self) -> int:
        self.round_trips += 1
        return int(self.server.zcard(self.key))

    def push(self, request: Request) -> None:
        """Queue ``request`` whatever the duplicate filter says (scrapy-redis's ``push``)."""
        self.push_new(self.encode(request), "", -request.priority)

    def pop(self, timeout: int = 0) -> Request | None:
        member = self.pop_member()
        return None if member is None else self.decode(member)

    # leases ----------------------------------------------------------------------------------

    def encode(self, request: Request) -> str:
        """The request as JSON; ``TypeError`` / ``ValueError`` when it cannot be (see serializer)."""
        data = request.to_dict(spider=self.spider)
        meta = data.get("meta")
        if isinstance(meta, dict) and any(key in meta for key in TRANSIENT_META):
            data["meta"] = {k: v for k, v in meta.items() if k not in TRANSIENT_META}
        return str(self.serializer.dumps(data))

    def decode(self, member: str) -> Request:
        """The request of a queue member (``<sequence>|<JSON>``)."""
        request: Request = self._decode_request(member.split("|", 1)[1])
        return request

    def push_new(self, data: str, fingerprint: str, score: float) -> bool:
        """Queue ``data`` unless ``fingerprint`` (empty: no filtering) was seen; seen-marking and
        queueing are one step."""
        return bool(self._run(self._push, self.site_prefix, fingerprint, score, data))

    def pop_member(self) -> str | None:
        """Lease the first request: moved into this worker's in-flight hash."""
        member = self._run(self._pop, self.site_prefix, self.worker)
        return str(member) if member else None

    def ack(self, member: str) -> None:
        """Scrapy is done with the request: it leaves the in-flight hash."""
        self.round_trips += 1
        self.server.hdel(self.inflight_key(), member)

    def park(self, member: str) -> None:
        """Done but for the after-crawl stage (an attachment's document): held as parked."""
        self._run(self._park, self.site_prefix, self.worker, member)

    def release_parked(self) -> None:
        """The after-crawl stage wrote the parked attachments' documents."""
        self.round_trips += 1
        self.server.delete(self.parked_key())

    def starting(self, on: bool) -> None:
        """Mark (or unmark) this worker as reading its start requests: the crawl is not complete
        while it does, even when the queue is empty and nothing is in flight."""
        self.round_trips += 1
        if on:
            self.server.hset(self.inflight_key(), scripts.STARTING, "1")
        else:
            self.server.hdel(self.inflight_key(), scripts.STARTING)

    def give_back(self) -> int:
        """Everything this worker holds in flight back to the queue; returns how many."""
        self.starting(False)
        return int(self._run(self._give_back, self.site_prefix, self.worker))

    def requeue_dead(self) -> int:
        """Dead workers' requests back to the queue; returns how many."""
        return int(self._run(self._requeue_dead, self.site_prefix, self.registry.alive_prefix))

    def join(self) -> tuple[int, int]:
        """Join the crawl under way, or start the next one; returns (generation, requeued)."""
        generation, moved = self._run(
            self._join, self.site_prefix, self.registry.alive_prefix, self.worker, self.registry.lease_ms
        )
        return int(generation), int(moved)

    def check(self, generation: int) -> tuple[str, int]:
        """Whether the crawl is complete: ``done``, ``work`` or ``busy``, and how many requests of
        dead workers were put back."""
        verdict, moved = self._run(self._check, self.site_prefix, self.registry.alive_prefix, generation)
        return str(verdict), int(moved)
