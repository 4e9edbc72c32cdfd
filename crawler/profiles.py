"""Settings profiles: the politeness the real portals get, and what the replica and benchmarks relax.

A profile is chosen with the ``XXGK_PROFILE`` setting (``-s XXGK_PROFILE=replica``; ``xxgk crawl
--replica`` sets it) and applied by the spiders' ``update_settings`` at spider priority, so it wins
over ``settings.py`` but not over ``-s`` options given on the command line.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

POLITE: dict[str, Any] = {}  # settings.py already holds the polite defaults

REPLICA: dict[str, Any] = {
    # The replica is ours and local: no need to be gentle, but keep robots.txt obeyed so that the
    # crawl against the replica behaves like the crawl against the real sites.
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": 1,
    # Retries stay (a fault of the replica is retried as on the real sites) but wait little, so
    # that tests and benchmarks stay fast; the polite backoff is for the real servers.
    "XXGK_RETRY_BACKOFF": 0.05,
    "XXGK_RETRY_BACKOFF_MAX": 1.0,
    "XXGK_FSYNC": False,
}

BENCH: dict[str, Any] = {**REPLICA, "LOG_LEVEL": "WARNING"}

PROFILES: dict[str, dict[str, Any]] = {"polite": POLITE, "replica": REPLICA, "bench": BENCH}


def apply_profile(settings: BaseSettings) -> None:
    """Apply the profile named by ``XXGK_PROFILE`` at spider priority (spiders' update_settings)."""
    profile = str(settings.get("XXGK_PROFILE") or "polite")
    if profile not in PROFILES:
        raise ValueError(f"unknown XXGK_PROFILE {profile!r}; known: {sorted(PROFILES)}")
    for name, value in PROFILES[profile].items():
        settings.set(name, value, priority="spider")
