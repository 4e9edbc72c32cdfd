"""Text to FTS5 tokens, the same way for documents and queries.

FTS5's tokenizers do not split Chinese (unicode61 keeps a run of ideographs as one token) and the
trigram tokenizer cannot match fewer than three characters, and Python's sqlite3 cannot register a
tokenizer of its own. So the text is tokenized here and handed to FTS5's ``ascii`` tokenizer as
space-separated tokens: every non-ASCII letter or digit (Chinese, after NFKC) is a token of its own, a
run of ASCII letters and digits is one lower-cased token, and every run of anything else (spaces,
punctuation, line ends) is one boundary token. A query becomes one FTS5 phrase of the same tokens, so
``复议`` matches exactly where 复 and 议 stand next to each other, never across a comma or a line
(docs/browse.md has the measurements that chose this over bigrams).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BOUNDARY", "QueryError", "normalize", "pairs", "phrase", "tokenize", "tokens"]

#: Stands for a run of separators; a private-use character, so no page or query produces it.
BOUNDARY = "\ue000"
# A run of separators becomes one boundary; every non-ASCII character left is a token of its own.
_SEPARATORS = re.compile(r"[\W_]+")
_WIDE = re.compile(r"[^\x00-\x7f\ue000]")


class QueryError(ValueError):
    """A search query that cannot be run; the message is one line meant for the user."""


def normalize(text: str) -> str:
    """What matching compares: NFKC (full-width digits and letters become ASCII) and lower case."""
    return unicodedata.normalize("NFKC", text).lower().replace(BOUNDARY, " ")


def tokenize(text: str | None) -> str:
    """The string stored in the FTS5 table for ``text``: tokens separated by single spaces, boundary
    tokens collapsed and never leading or trailing."""
    spaced = _WIDE.sub(r" \g<0> ", _SEPARATORS.sub(f" {BOUNDARY} ", normalize(text or "")))
    return " ".join(spaced.split()).strip(f" {BOUNDARY}")


def tokens(text: str) -> list[str]:
    return tokenize(text).split()


def pairs(tokenized: str) -> str:
    """Every two neighbouring tokens of a ``tokenize`` string as one token (复 议 -> 复议).

    A query of two tokens is then one token to look up, and a longer one a phrase of one token fewer,
    each with a shorter doclist than single characters have. Concatenation is unambiguous: ASCII
    runs are maximal, so two never stand side by side, and every other token is one character.
    """
    toks = tokenized.split()
    return " ".join(map(str.__add__, toks, toks[1:]))


def phrase(query: str, *, columns: bool = False) -> str:
    """An FTS5 MATCH expression for a user's query: each whitespace-separated term is a phrase, all
    terms must occur. Nothing of the query reaches FTS5 as syntax (quotes, AND, NEAR, * are text).

    A one-token term is looked up as that token, a longer one as the phrase of its pairs: the same
    places match either way. No column filter is needed (``columns`` adds them, for the tests): a
    pair token never equals a single token, so single tokens only occur in title and body and pairs
    only in title2 and body2; the filters cost FTS5 a tenth to a fifth of a search and change no
    match, count or bm25 score.
    """
    terms = [tokenize(term) for term in query.split()]
    terms = [t for t in terms if t]
    if not terms:
        raise QueryError(f"nothing to search for in {query!r}: give letters, digits or Chinese characters")
    # The ascii tokenizer only splits on ASCII separators, so a token never holds a space or quote;
    # quoting makes each term a phrase.
    single, paired = ("{title body} : ", "{title2 body2} : ") if columns else ("", "")
    return " AND ".join(
        f'{single}"{term}"' if " " not in term else f'{paired}"{pairs(term)}"' for term in terms
    )
