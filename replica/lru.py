"""A small thread-safe LRU map bounded by entry count and by total weight (bytes)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, max_entries: int, max_weight: int = 0, weigh: Callable[[V], int] | None = None):
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._max_entries = max_entries
        self._max_weight = max_weight
        self._weigh = weigh
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value) if self._weigh else 0
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._data[key] = (value, weight)
            self._weight += weight
            while self._data and (
                len(self._data) > self._max_entries
                or (self._max_weight and self._weight > self._max_weight and len(self._data) > 1)
            ):
                _, (_, w) = self._data.popitem(last=False)
                self._weight -= w

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        # Two threads may both make a missing value; both results are equal, one is kept.
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._weight = 0

    def __len__(self) -> int:
        return len(self._data)
