"""The search index of an archive: SQLite with FTS5 at ``<archive>/index.sqlite`` (docs/browse.md).

Derived from the archived JSON, which stays the source of truth: ``rebuild`` makes it from scratch,
``update`` indexes what changed, ``search`` queries it. No Scrapy here.
"""

from pipelines.index.build import BuildResult, index_after_crawl, rebuild, update
from pipelines.index.schema import index_path
from pipelines.index.search import Filters, Hit, IndexMissingError, search
from pipelines.index.tokens import QueryError

__all__ = [
    "BuildResult",
    "Filters",
    "Hit",
    "IndexMissingError",
    "QueryError",
    "index_after_crawl",
    "index_path",
    "rebuild",
    "search",
    "update",
]
