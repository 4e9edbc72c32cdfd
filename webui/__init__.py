"""`xxgk browse`: a read-only web interface over an archive and its search index (docs/browse.md).

``reader`` reads (index rows, facets, documents, raw bytes; no web framework), ``app`` serves it with
Starlette and Jinja2 templates. Nothing here writes to the archive.
"""
