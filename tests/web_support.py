"""The archive the web interface's tests read: a real crawl of the replica in which one annual report
carries hostile markup in its title and body, and the Siping seed report has two versions.

Built once per test process (``web_archive`` in conftest.py) and only read afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import Archive, crawl
from pipelines.archive.store import doc_id
from replica.corpus import Corpus
from replica.server import ReplicaServer

SEED_SIPING = "http://txqxxgk.siping.gov.cn/zsts/fgw_12305/ndbg/201803/t20180320_205386.html"
#: Markup that must show as text wherever the interface shows a title or a body.
HOSTILE_TITLE = '<script>alert("xss")</script>"><img src=x onerror=alert(1)>年度报告'
HOSTILE_BODY = '"><img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
#: Live markup in the archived page itself: it runs wherever the bytes are shown without a sandbox.
LIVE_MARKUP = (
    '<script>window.__pwned = 1; document.title = "pwned"; alert("script ran");</script>'
    '<img src="data:," onerror="window.__pwned = 2; document.title = \'pwned\'">'
)
EDIT = "补充说明：本报告于2018年3月20日更正。"


@dataclass
class WebArchive:
    archive: Archive
    #: The id and URL of the report with the hostile title and body.
    hostile_id: str
    hostile_url: str
    #: The Siping seed report: two versions, the second with ``EDIT`` added.
    seed_id: str

    @property
    def root(self) -> Path:
        return self.archive.root


def build_web_archive(root: Path) -> WebArchive:
    corpus = Corpus(seed=3, pages=240)
    hostile = next(
        t.url
        for t in corpus.documents("siping")
        if t.kind == "report" and not t.fault and t.url != SEED_SIPING and t.attachments == ()
    )
    with ReplicaServer(corpus) as server:
        server.retitle(hostile, HOSTILE_TITLE)
        server.edit(hostile, HOSTILE_BODY)
        server.inject(hostile, LIVE_MARKUP)
        crawl(root, server)
        server.edit(SEED_SIPING, EDIT)
        crawl(root, server, "siping", "--full")
    return WebArchive(Archive(root), doc_id(hostile), hostile, doc_id(SEED_SIPING))
