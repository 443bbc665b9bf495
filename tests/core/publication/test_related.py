from backstride.core.publication.related import (
    Doc,
    cosine,
    related_for_all,
    tag_similarity,
    tfidf_vectors,
    tokenize,
    top_k,
)

CORE_A = Doc(
    "core-a",
    "Core stability without the myths",
    "What the deep abdominal muscles do, and which core exercises help a sore back.",
    "Core stability exercises such as the plank, side plank, bird dog and dead bug train the "
    "trunk muscles to hold the spine steady. Endurance of the core muscles matters more than "
    "brute strength; hold each plank for short sets and build up.",
    frozenset({"core", "exercise"}),
)
CORE_B = Doc(
    "core-b",
    "Five core exercises for runners",
    "Planks, side planks and bird dogs: a short core stability routine.",
    "A runner's core keeps the pelvis and spine steady at each stride. Start with a plank, "
    "add side planks on each side, then bird dogs and dead bugs. Core endurance first.",
    frozenset({"core", "running"}),
)
PODCAST = Doc(
    "podcast-news",
    "Our podcast has a new home",
    "Subscribe to the show in your favourite podcast app.",
    "The podcast feed moved. Subscribe in Apple Podcasts or any app; new episodes every "
    "Sunday morning with guests, listener questions and show notes.",
    frozenset({"podcast", "news"}),
)
SLEEP = Doc(
    "sleep",
    "Sleep and back pain",
    "Why a bad night makes pain louder and what helps.",
    "Poor sleep lowers pain tolerance. A regular bedtime, a pillow between the knees and a "
    "calm wind-down routine help many people with back pain sleep better.",
    frozenset({"sleep"}),
)
DOCS = [CORE_A, CORE_B, PODCAST, SLEEP]


def test_tokenize_stems_and_drops_stopwords():
    assert tokenize("The runners were running and exercises") == ["runner", "run", "exercise"]


def test_vectors_are_unit_length():
    for vec in tfidf_vectors(DOCS).values():
        assert abs(sum(v * v for v in vec.values()) - 1.0) < 1e-9


def test_core_stability_relates_to_core_stability_not_to_podcast_news():
    related = related_for_all(DOCS, k=3)
    assert related["core-a"][0][0] == "core-b"
    assert related["core-b"][0][0] == "core-a"
    scores = dict(related["core-a"])
    assert scores["core-b"] > scores.get("podcast-news", 0.0)


def test_related_never_includes_the_article_itself_and_respects_k():
    related = related_for_all(DOCS, k=2)
    for doc_id, items in related.items():
        assert doc_id not in [i for i, _ in items]
        assert len(items) <= 2


def test_shared_tags_lift_an_otherwise_unrelated_pair():
    a = Doc("a", "Alpha", body="apples", tags=frozenset({"x"}))
    b = Doc("b", "Beta", body="bananas", tags=frozenset({"x"}))
    c = Doc("c", "Gamma", body="cherries", tags=frozenset({"y"}))
    assert [i for i, _ in related_for_all([a, b, c], k=2)["a"]] == ["b"]


def test_tag_similarity_and_cosine():
    assert tag_similarity({"Core", "x"}, {"core"}) == 0.5
    assert tag_similarity(set(), {"core"}) == 0.0
    assert cosine({"a": 1.0}, {"a": 1.0, "b": 0.0}) == 1.0


def test_top_k_orders_by_score_then_id():
    assert top_k({"b": 0.5, "a": 0.5, "c": 0.9, "d": 0.0}, 3) == [
        ("c", 0.9),
        ("a", 0.5),
        ("b", 0.5),
    ]


def test_is_deterministic():
    assert related_for_all(DOCS) == related_for_all(list(reversed(DOCS)))
