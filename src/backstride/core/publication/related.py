"""Related articles by content: TF-IDF over title, summary and body, blended with shared tags.

A small, dependency-free implementation (sparse vectors as dicts): a site has hundreds of
articles, not millions, and the top-k lists are precomputed in the background, so clarity
beats speed here. The scores are deterministic: ties break on the document id.

``similarities`` takes any vectors, so a semantic backend (sentence embeddings) plugs in by
producing its own unit vectors and reusing :func:`blend` and :func:`top_k`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "STOPWORDS",
    "Doc",
    "blend",
    "cosine",
    "related_for_all",
    "tag_similarity",
    "tfidf_vectors",
    "tokenize",
    "top_k",
]

TITLE_WEIGHT = 3
SUMMARY_WEIGHT = 2
TAG_WEIGHT = 0.3  # share of the final score that comes from shared tags

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "like",
        "ll",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "re",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "don",
        "doesn",
        "isn",
        "aren",
        "won",
        "ve",
        "d",
        "m",
        "one",
        "two",
        "may",
        "might",
        "much",
        "many",
        "even",
        "still",
        "way",
        "ways",
        "make",
        "makes",
        "made",
        "thing",
        "things",
        "week",
        "weeks",
        "day",
        "days",
    ]
)

_TOKEN = re.compile(r"[a-z][a-z0-9]+")
Id = Hashable


@dataclass(frozen=True)
class Doc:
    id: Id
    title: str
    summary: str = ""
    body: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)


def _stem(word: str) -> str:
    """A deliberately light stemmer: plurals and a few verb endings, so "runs"/"running"/"run"
    and "exercises"/"exercise" meet, without the surprises of a full Porter stemmer."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    else:
        if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # runn -> run, stopp -> stop
    return word


def tokenize(text: str) -> list[str]:
    """Lower-case word stems, without stop words and one-letter tokens."""
    words = _TOKEN.findall(text.lower().replace("’", "'").replace("'", ""))
    return [_stem(w) for w in words if w not in STOPWORDS]


def _terms(doc: Doc) -> Counter[str]:
    counts: Counter[str] = Counter()
    for _ in range(TITLE_WEIGHT):
        counts.update(tokenize(doc.title))
    for _ in range(SUMMARY_WEIGHT):
        counts.update(tokenize(doc.summary))
    counts.update(tokenize(doc.body))
    return counts


Vector = dict[str, float]


def tfidf_vectors(docs: Sequence[Doc]) -> dict[Id, Vector]:
    """Unit-length TF-IDF vectors: sublinear term frequency (1 + log tf) and smoothed IDF
    (log((1 + n) / (1 + df)) + 1)."""
    term_counts = [_terms(d) for d in docs]
    df: Counter[str] = Counter()
    for counts in term_counts:
        df.update(counts.keys())
    n = len(docs)
    idf = {term: math.log((1 + n) / (1 + k)) + 1.0 for term, k in df.items()}
    vectors: dict[Id, Vector] = {}
    for doc, counts in zip(docs, term_counts, strict=True):
        vec = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        vectors[doc.id] = {t: v / norm for t, v in vec.items()} if norm else {}
    return vectors


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two unit vectors (iterates over the shorter one)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def tag_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard overlap of two tag sets (case-insensitive); 0 when either has none."""
    sa, sb = {t.lower() for t in a}, {t.lower() for t in b}
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def blend(content: float, tags: float, tag_weight: float = TAG_WEIGHT) -> float:
    return (1.0 - tag_weight) * content + tag_weight * tags


def top_k(scores: Mapping[Id, float], k: int, exclude: Iterable[Id] = ()) -> list[tuple[Id, float]]:
    """The ``k`` best (id, score) pairs with a positive score, best first, ties by id."""
    skip = set(exclude)
    ranked = sorted(
        ((i, s) for i, s in scores.items() if i not in skip and s > 0),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    return ranked[:k]


def related_for_all(
    docs: Sequence[Doc],
    k: int = 8,
    tag_weight: float = TAG_WEIGHT,
    vectors: Mapping[Id, Mapping[str, float]] | None = None,
) -> dict[Id, list[tuple[Id, float]]]:
    """For every document, its ``k`` most similar others.

    ``vectors`` defaults to TF-IDF; pass unit vectors from another model to reuse the blend.
    An inverted index keeps this close to linear in the number of shared terms.
    """
    vecs = vectors if vectors is not None else tfidf_vectors(docs)
    postings: dict[str, list[tuple[Id, float]]] = {}
    for doc_id, vec in vecs.items():
        for term, weight in vec.items():
            postings.setdefault(term, []).append((doc_id, weight))
    by_id = {d.id: d for d in docs}
    result: dict[Id, list[tuple[Id, float]]] = {}
    for doc in docs:
        content: dict[Id, float] = {}
        for term, weight in vecs.get(doc.id, {}).items():
            for other, other_weight in postings[term]:
                if other != doc.id:
                    content[other] = content.get(other, 0.0) + weight * other_weight
        scores: dict[Id, float] = {}
        for other in by_id:
            if other == doc.id:
                continue
            scores[other] = blend(
                content.get(other, 0.0), tag_similarity(doc.tags, by_id[other].tags), tag_weight
            )
        result[doc.id] = top_k(scores, k, exclude=(doc.id,))
    return result
