"""What ``--redis`` changes in a crawl's settings, and the Scrapy add-on that applies it.

``apply_redis`` (called by ``xxgk crawl --redis URL``) sets the Redis URL and the crawl id at
command-line priority and enables ``RedisAddon``. The add-on runs after the spider's profile
(``crawler/profiles.py``, applied in the spider's ``update_settings``) and after ``-s`` options, so
it sees the delay the crawl was configured with and hands it to the gate:

- ``SCHEDULER``: the Redis scheduler (shared frontier and duplicate filter);
- ``XXGK_HOST_GATE``: ``RedisGate``; ``XXGK_GATE_DELAY`` / ``XXGK_GATE_JITTER``: the configured
  ``DOWNLOAD_DELAY`` / ``DOWNLOAD_DELAY_JITTER``, which the gate keeps for all workers together;
- ``DOWNLOAD_DELAY`` 0 and ``AUTOTHROTTLE_ENABLED`` off: a local delay would only add to the global
  one, and AutoThrottle adapts one process's delay to latencies it alone sees. The local concurrency
  caps stay (the gate applies ``CONCURRENT_REQUESTS_PER_DOMAIN`` to all workers together as well);
- ``XXGK_ARCHIVE_LOCK_SHARED``: workers take the archive's lock shared;
- the start tracker (``start.py``) as the outermost spider middleware.

A ``scrapy crawl`` can be made a worker the same way: ``-s XXGK_REDIS_URL=… -s XXGK_REDIS_CRAWL=…
-s 'ADDONS={"crawler.distributed.settings.RedisAddon": 0}'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.distributed.gate import DELAY_SETTING, JITTER_SETTING
from crawler.distributed.registry import CRAWL_SETTING, URL_SETTING
from crawler.distributed.start import StartTracker

SCHEDULER = "crawler.distributed.scheduler.RedisScheduler"
GATE = "crawler.distributed.gate.RedisGate"
SHARED_LOCK_SETTING = "XXGK_ARCHIVE_LOCK_SHARED"

_CRAWL_ID = re.compile(r"[A-Za-z0-9._+-]{1,128}")


class RedisUnavailableError(RuntimeError):
    """``--redis`` names no Redis this process can reach (the message is one line)."""


def default_crawl_id(sites: Iterable[str]) -> str:
    """The crawl id when ``--crawl-id`` is not given: the site names, sorted, joined by ``+``."""
    return "+".join(sorted(sites)) or "crawl"


def valid_crawl_id(name: str) -> bool:
    """Letters, digits and ``. _ + -`` (it is part of every Redis key of the crawl)."""
    return bool(_CRAWL_ID.fullmatch(name))


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_redis(url: str) -> None:
    """Raise ``RedisUnavailableError`` unless a Redis answers PING at ``url`` (within 3 s)."""
    import redis

    shown = redacted(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError as exc:
        raise RedisUnavailableError(f"--redis {shown}: not a Redis URL ({exc})") from None
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise RedisUnavailableError(f"cannot reach Redis at {shown}: {reason}") from None
    finally:
        client.close()


def apply_redis(settings: BaseSettings, url: str, crawl: str) -> None:
    """Make the crawl one worker of crawl ``crawl`` on the Redis at ``url`` (``--redis``)."""
    settings.set(URL_SETTING, url, priority="cmdline")
    settings.set(CRAWL_SETTING, crawl, priority="cmdline")
    settings.set_in_component_priority_dict("ADDONS", RedisAddon, 0)


class RedisAddon:
    """Applies the Redis mode to a crawler's settings (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisAddon:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get(URL_SETTING) or not settings.get(CRAWL_SETTING):
            raise ValueError(f"the Redis mode needs {URL_SETTING} and {CRAWL_SETTING}")
        # What the crawl was configured with (settings.py, the profile, -s) goes to the gate.
        if settings.getpriority(DELAY_SETTING) is None:
            settings.set(DELAY_SETTING, settings.getfloat("DOWNLOAD_DELAY"), priority="cmdline")
        if settings.getpriority(JITTER_SETTING) is None:
            settings.set(JITTER_SETTING, settings.getfloat("DOWNLOAD_DELAY_JITTER"), priority="cmdline")
        overrides: dict[str, Any] = {
            "SCHEDULER": SCHEDULER,
            "XXGK_HOST_GATE": GATE,
            "DOWNLOAD_DELAY": 0.0,
            "DOWNLOAD_DELAY_JITTER": 0.0,
            "AUTOTHROTTLE_ENABLED": False,
            SHARED_LOCK_SETTING: True,
        }
        for name, value in overrides.items():
            settings.set(name, value, priority="cmdline")
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", StartTracker, 10)
