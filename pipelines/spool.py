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

import pickle
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

T = TypeVar("T")

_HEADER = struct.Struct("!I")


class Spool(Generic[T]):
    """Append picklable records; ``drain`` yields them back in order, once, and empties the spool."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self._file: IO[bytes] | None = None
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, record: T) -> None:
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
        A frame cut short (the disk filled) ends the walk with an error, never a wrong record."""
        handle, self._file, count, self._count = self._file, None, self._count, 0
        if handle is None:
            return
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

    def close(self) -> None:
        """Forget the records (the file goes with its descriptor)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._count = 0
