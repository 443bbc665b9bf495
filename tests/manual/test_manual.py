"""The Back Pain Relief Manual: page count, contents, footer, metadata, versioning, cache.

These render the real PDF (about 2 s each) and read it back with pypdf.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest

from backstride import manual
from backstride.manual import build


def page_count(pdf: bytes) -> int:
    """Pages in a PDF, read back independently of WeasyPrint."""
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


TOC_LINE = re.compile(r"^(\d+)\s+(.+?)\s*\.{3,}\s*(\d+)$")


def _norm(text: str) -> str:
    return " ".join(text.split())


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def rendered() -> tuple[bytes, list[logging.LogRecord]]:
    handler = _Collect()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger(build.__name__)]
    for log in loggers:
        log.addHandler(handler)
    try:
        pdf = manual.render_manual_pdf()
    finally:
        for log in loggers:
            log.removeHandler(handler)
    return pdf, handler.records


@pytest.fixture(scope="module")
def pdf_bytes(rendered: tuple[bytes, list[logging.LogRecord]]) -> bytes:
    return rendered[0]


@pytest.fixture(scope="module")
def reader(pdf_bytes: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf_bytes))


@pytest.fixture(scope="module")
def page_texts(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def toc(page_texts: list[str]) -> list[tuple[int, str, int]]:
    entries = []
    for line in page_texts[1].splitlines():
        match = TOC_LINE.match(line.strip())
        if match:
            entries.append((int(match[1]), _norm(match[2]), int(match[3])))
    return entries


@pytest.fixture
def asset_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the manual's sources, with build.ASSET_DIR pointing at it."""
    root = tmp_path / "assets"
    shutil.copytree(
        build.ASSET_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py", "*.pyc")
    )
    monkeypatch.setattr(build, "ASSET_DIR", root)
    return root


# --------------------------------------------------------------------------- the PDF


def test_has_exactly_the_expected_23_pages(pdf_bytes: bytes) -> None:
    assert manual.EXPECTED_PAGES == 23
    assert page_count(pdf_bytes) == manual.EXPECTED_PAGES
    assert pdf_bytes.startswith(b"%PDF-")


def test_page_blocks_add_up_to_23_and_none_overflows() -> None:
    document = build.render_document()
    chapters = build.load_chapters()
    blocks = ["cover", "contents"] + [
        f"{ch.anchor}-p{index}" for ch in chapters for index in range(1, len(ch.pages) + 1)
    ]
    assert build.planned_page_count() == len(blocks) == manual.EXPECTED_PAGES
    assert len(document.pages) == len(blocks)
    for number, (page, block) in enumerate(zip(document.pages, blocks, strict=True), start=1):
        assert block in page.anchors, f"page {number} should start block {block}"
    # Headroom: no page is more than 95 % full, so font differences cannot push one over.
    fills = build.page_fill(document)
    crowded = {n: f for n, f in enumerate(fills, start=1) if n > 1 and f > 0.95}
    assert not crowded, f"pages too full (fraction of the content area): {crowded}"


def test_render_logs_no_warnings(rendered: tuple[bytes, list[logging.LogRecord]]) -> None:
    # WeasyPrint logs missing alt text, unreadable images and refused URLs as errors.
    assert [r.getMessage() for r in rendered[1]] == []


def test_contents_page_lists_every_chapter_with_the_right_page(
    toc: list[tuple[int, str, int]], page_texts: list[str], reader: pypdf.PdfReader
) -> None:
    chapters = build.load_chapters()
    assert "Contents" in page_texts[1]
    assert [(n, title) for n, title, _ in toc] == [(ch.number, ch.title) for ch in chapters]

    bookmarks: dict[str, int] = {}
    for item in reader.outline:
        if not isinstance(item, list):
            page_index = reader.get_destination_page_number(item)
            assert page_index is not None
            bookmarks[_norm(str(item.title))] = page_index + 1
    for number, title, page in toc:
        heading = _norm(f"{number} {title}")
        assert 3 <= page <= len(page_texts)
        # The heading opens the page the contents promise ...
        assert _norm(page_texts[page - 1]).startswith(heading), (title, page)
        # ... and does not open any earlier page.
        for earlier in range(2, page - 1):
            assert not _norm(page_texts[earlier]).startswith(heading)
        assert bookmarks[heading] == page
    # Chapters appear in order, each after the one before.
    pages = [page for _, _, page in toc]
    assert pages == sorted(pages) and len(set(pages)) == len(pages)


def test_cross_references_point_at_the_right_pages(
    toc: list[tuple[int, str, int]], page_texts: list[str]
) -> None:
    page_of = {title: page for _, title, page in toc}
    red_flags = page_of["Red flags: when to see a clinician"]
    how_to = page_texts[page_of["How to use this manual"] - 1]
    assert f"(page {red_flags})" in _norm(how_to)
    diary, notes = (
        page_of["Two-week symptom diary"],
        page_of["Notes and questions for your clinician"],
    )
    assert f"from page {diary} to page {notes}" in _norm(page_texts[1])


def test_body_pages_have_a_page_number_footer_and_the_cover_has_none(
    page_texts: list[str],
) -> None:
    total = len(page_texts)
    assert "Page 1 of" not in page_texts[0]
    for number in range(2, total + 1):
        assert f"Page {number} of {total}" in page_texts[number - 1], number
        assert "Back Pain Relief Manual" in page_texts[number - 1]


def test_cover_shows_title_site_and_edition(page_texts: list[str]) -> None:
    cover = _norm(page_texts[0])
    assert "Back Pain Relief Manual" in cover
    assert "Backstride" in cover and "127.0.0.1:8000" in cover
    assert f"Edition {manual.MANUAL_VERSION}" in cover
    assert "November 2026" in cover  # derived from the version, not from today's date


def test_symptom_diary_page_has_a_fourteen_day_table(
    toc: list[tuple[int, str, int]], page_texts: list[str]
) -> None:
    page = {title: p for _, title, p in toc}["Two-week symptom diary"]
    text = page_texts[page - 1]
    for column in ("Date", "waking (0–10)", "evening (0–10)", "Leg", "Activity", "Notes"):
        assert column in text
    lines = {line.strip() for line in text.splitlines()}
    assert {str(day) for day in range(1, 15)} <= lines


def test_key_content_is_present(page_texts: list[str]) -> None:
    text = _norm(" ".join(page_texts))
    # Red flags, urgently.
    for phrase in ("cauda equina", "bladder", "saddle", "emergency department", "Fever"):
        assert phrase in text
    # T.R.E.A.T. and the pain-monitoring thresholds.
    for phrase in ("Test one change", "Rest from anything unusual", "Evaluate the response"):
        assert phrase in text
    assert "3/10" in text and "48 hours" in text
    # Running ladder rules.
    assert "10 % longer" in text and "20 km a week" in text and "10 km/h" in text
    assert "Run 60 s / walk 90 s" in text
    # Exercises with a dose each.
    exercise_titles = re.findall(r"\b(\d{1,2}) · [A-Z][a-z]", text)
    assert len(set(exercise_titles)) >= 12
    assert text.count("Dose:") >= 12
    assert "NICE guideline NG59" in text


def test_metadata_language_and_tags(reader: pypdf.PdfReader) -> None:
    info = reader.metadata
    assert info is not None
    assert info.title == "Back Pain Relief Manual"
    assert info.author and "Backstride" in info.author
    assert info["/CreationDate"] == "D:20261101000000Z"  # fixed by MANUAL_VERSION
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in root
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()


def test_every_figure_has_alt_text(reader: pypdf.PdfReader) -> None:
    figures: list[Any] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for child in node:
                walk(child)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure":
                figures.append(node)
            if "/K" in node:
                walk(node["/K"])

    root: Any = reader.trailer["/Root"]
    walk(root["/StructTreeRoot"])
    assert len(figures) >= 16  # cover + 15 exercises
    assert all(str(fig.get("/Alt", "")).strip() for fig in figures)


def test_rendering_is_deterministic(pdf_bytes: bytes) -> None:
    assert manual.render_manual_pdf() == pdf_bytes


def test_site_name_is_escaped_and_page_count_holds() -> None:
    pdf = manual.render_manual_pdf(site_name="Run & Rehab <Leeds>", site_url="https://example.org/")
    assert page_count(pdf) == 23
    cover = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Run & Rehab <Leeds>" in cover and "example.org" in cover


def test_network_and_outside_files_are_refused(tmp_path: Path) -> None:
    from weasyprint.urls import FatalURLFetchingError

    fetcher = build._url_fetcher()
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("https://example.org/font.woff2")
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("http://127.0.0.1:9/x.png")
    outside = tmp_path / "x.svg"
    outside.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch(outside.as_uri())
    inside = (build.ASSET_DIR / "figures" / "bridge.svg").as_uri()
    assert b"<svg" in fetcher.fetch(inside).read()


def test_a_remote_image_in_the_content_fails_the_build(asset_copy: Path) -> None:
    chapter = asset_copy / "content" / "01-how-to-use.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8") + "\n![remote](https://example.org/x.png)\n",
        encoding="utf-8",
    )
    with pytest.raises(build.ManualBuildError, match="refusing network fetch"):
        build.render_document()


# --------------------------------------------------------------------------- versioning


def test_content_version_changes_with_content_and_css(asset_copy: Path) -> None:
    original = manual.content_version()
    assert original.startswith(manual.MANUAL_VERSION + "-")
    assert manual.content_version() == original  # stable

    chapter = asset_copy / "content" / "06-treat.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("48 hours", "72 hours", 1), encoding="utf-8")
    changed = manual.content_version()
    assert changed != original

    chapter.write_text(text, encoding="utf-8")
    assert manual.content_version() == original

    css = asset_copy / "manual.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* tweak */\n", encoding="utf-8")
    assert manual.content_version() not in {original, changed}


def test_real_content_version_matches_shipped_files() -> None:
    # Guards against hashing nothing (e.g. a wrong glob): the hash must depend on files.
    assert len(build._hashed_files(build.ASSET_DIR)) >= 13 + 1 + 1 + 15


# --------------------------------------------------------------------------- cache


@pytest.fixture
def counting_renderer(
    monkeypatch: pytest.MonkeyPatch, pdf_bytes: bytes
) -> Iterator[list[dict[str, str]]]:
    calls: list[dict[str, str]] = []

    def fake_render(**kw: str) -> bytes:
        calls.append(kw)
        time.sleep(0.2)  # long enough for concurrent callers to overlap
        return pdf_bytes

    monkeypatch.setattr(build, "render_manual_pdf", fake_render)
    yield calls


def test_cached_manual_renders_once_and_reuses(
    tmp_path: Path, counting_renderer: list[dict[str, str]], pdf_bytes: bytes
) -> None:
    cache = tmp_path / "cache"
    first = manual.cached_manual_pdf(cache)
    assert first.name == f"backstride-manual-{manual.content_version()}.pdf"
    assert first.read_bytes() == pdf_bytes
    mtime = first.stat().st_mtime_ns

    second = manual.cached_manual_pdf(cache)
    assert second == first
    assert second.stat().st_mtime_ns == mtime
    assert len(counting_renderer) == 1
    leftovers = [p.name for p in cache.iterdir() if p != first and not p.name.endswith(".lock")]
    assert leftovers == []  # no temporary files


def test_cache_key_includes_render_arguments(
    tmp_path: Path, counting_renderer: list[dict[str, str]]
) -> None:
    a = manual.cached_manual_pdf(tmp_path, site_name="A", site_url="https://a.example")
    b = manual.cached_manual_pdf(tmp_path, site_name="B", site_url="https://a.example")
    again = manual.cached_manual_pdf(tmp_path, site_name="A", site_url="https://a.example")
    assert a != b and again == a
    assert len(counting_renderer) == 2
    assert counting_renderer[0] == {"site_name": "A", "site_url": "https://a.example"}
    with pytest.raises(TypeError):
        manual.cached_manual_pdf(tmp_path, colour="red")


def test_new_content_version_gets_a_new_file(
    tmp_path: Path, asset_copy: Path, counting_renderer: list[dict[str, str]]
) -> None:
    old = manual.cached_manual_pdf(tmp_path)
    chapter = asset_copy / "content" / "13-sources.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n", "utf-8")
    new = manual.cached_manual_pdf(tmp_path)
    assert new != old and new.exists() and old.exists()
    assert len(counting_renderer) == 2


def test_concurrent_callers_render_once(
    tmp_path: Path, counting_renderer: list[dict[str, str]], pdf_bytes: bytes
) -> None:
    results: list[Path] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(manual.cached_manual_pdf(tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1 and len(results) == 5
    assert len(counting_renderer) == 1
    assert results[0].read_bytes() == pdf_bytes


def test_failed_render_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kw: str) -> bytes:
        raise build.ManualBuildError("boom")

    monkeypatch.setattr(build, "render_manual_pdf", broken)
    with pytest.raises(build.ManualBuildError):
        manual.cached_manual_pdf(tmp_path)
    assert [p for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_real_cached_manual_is_a_23_page_pdf(tmp_path: Path) -> None:
    path = manual.cached_manual_pdf(tmp_path)
    assert page_count(path.read_bytes()) == 23
