"""A local, deterministic replica of the target disclosure portals (see docs/replica.md).

`replica.corpus.Corpus` holds the sites, documents and ground truth; `replica.server.ReplicaServer`
serves them over HTTP by Host header; `replica.cli` is `xxgk replica`.
"""
