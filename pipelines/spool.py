"""Records kept on disk until a later stage reads them back once, in order.

Why: the crawl defers every attachment's document to its after-crawl stage
(``ArchivePipeline.derive_attachments``), and held in a list each deferred capture cost the crawler
about 1.1 KB (a fifth of a KB per page fetched; 20 MB after 100,000 pages, and growing with the
crawl, docs/benchmarks.md "Crawl memory"). Here it costs a pickled frame in a file instead.

The file is anonymous (``O_TMPFILE`` where the file system has it): a crawl killed before its
after-crawl stage leaves nothing behind, and its attachments are found again from its capture log
(``_unfinished_attachments``). Where a name is needed it ends in ``.tmp``, which the next run's
repair removes.
"""

from __future__ import annotations

import logging
import pickle
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

T = TypeVar("T")

_HEADER = struct.Struct("!I")
logger = logging.getLogger(__name__)


class Spool(Generic[T]):
    """Append picklable records; ``drain`` yields them back in order, once, and empties the spool.

    A write that fails (a full disk) loses nothing: that record and every later one are kept in
    memory instead, after the frames already written (a frame cut short by the failure is never
    read: only the frames counted are)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._file: IO[bytes] | None = None
        self._count = 0  # whole frames in the file
        self._held: list[T] | None = None  # once the file failed: the records kept in memory

    def __len__(self) -> int:
        return self._count + len(self._held or ())

    def append(self, record: T) -> None:
        if self._held is None:
            try:
                self._write(record)
                return
            except OSError as exc:
                logger.warning(
                    "spool in %s: %s; the records from here on are kept in memory", self.directory, exc
                )
                self._held = []
        self._held.append(record)

    def _write(self, record: T) -> None:
        if self._file is None:
            if self.directory is not None:
                self.directory.mkdir(parents=True, exist_ok=True)
            # Closed by drain() or close(): the file outlives this call, so no with block.
            self._file = tempfile.TemporaryFile(dir=self.directory, prefix="spool-", suffix=".tmp")  # noqa: SIM115
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(_HEADER.pack(len(data)) + data)
        self._count += 1

    def drain(self) -> Iterator[T]:
        """The records in the order appended; records appended while draining join a new spool.
        A frame cut short on disk ends the walk with an error, never a wrong record."""
        handle, count, held = self._file, self._count, self._held or []
        self._file, self._count, self._held = None, 0, None
        if handle is not None:
            try:
                handle.flush()
                handle.seek(0)
                for _ in range(count):
                    header = handle.read(_HEADER.size)
                    if len(header) != _HEADER.size:
                        raise OSError("the spool is cut short")
                    (size,) = _HEADER.unpack(header)
                    data = handle.read(size)
                    if len(data) != size:
                        raise OSError("the spool is cut short")
                    yield pickle.loads(data)
            finally:
                handle.close()
        yield from held

    def close(self) -> None:
        """Forget the records (the file goes with its descriptor)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._count = 0
        self._held = None
