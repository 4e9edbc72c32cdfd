"""Requests as JSON for the shared frontier: no pickle, bytes tagged.

Why not scrapy-redis's default (pickle): every worker loads what any client of the Redis wrote, and
unpickling runs code. A shared Redis (reachable by every crawl machine) must not mean code execution
in every worker. JSON holds what ``Request.to_dict`` gives (callbacks are spider method *names*); the
types JSON lacks are tagged with an object whose only key is ``"\\u0000"``:

- ``{"\\u0000": "b", "v": "<base64>"}``: bytes (bodies, header names and values);
- ``{"\\u0000": "d", "v": [[key, value], …]}``: a dict whose keys are not all strings (headers), or
  a dict that has a ``"\\u0000"`` key itself, so that no data can pass for a tag;
- tuples become lists (``Request.from_dict`` takes either).

Anything else (a set, an object in ``meta``) raises ``TypeError``: the scheduler keeps such a
request in its own process rather than lose it (``crawler/distributed/scheduler.py``).

The module has the ``dumps`` / ``loads`` pair scrapy-redis expects of a serializer.
"""

from __future__ import annotations

import base64
import json
from typing import Any

_TAG = "\u0000"


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {_TAG: "b", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and _TAG not in value:
            return {key: _encode(item) for key, item in value.items()}
        return {_TAG: "d", "v": [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise TypeError(f"cannot put a {type(value).__name__} into the shared frontier")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if isinstance(value, dict):
        tag = value.get(_TAG)
        if tag == "b":
            return base64.b64decode(value["v"])
        if tag == "d":
            return {_hashable(_decode(key)): _decode(item) for key, item in value["v"]}
        return {key: _decode(item) for key, item in value.items()}
    return value


def _hashable(key: Any) -> Any:
    # A key that was a tuple came back as a list.
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def dumps(obj: Any) -> str:
    """``obj`` as compact ASCII JSON with bytes and non-string-keyed dicts tagged."""
    return json.dumps(_encode(obj), ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def loads(data: str | bytes) -> Any:
    """The value ``dumps`` encoded."""
    return _decode(json.loads(data))
