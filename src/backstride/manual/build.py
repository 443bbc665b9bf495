"""Build the Back Pain Relief Manual (PDF) from the Markdown chapters in ``content/``.

No Django here: the newsletter app calls :func:`cached_manual_pdf` (or
:func:`render_manual_pdf`) and decides how to deliver the file.

Layout model: every chapter starts on a new page and every ``<!-- page -->`` marker in a
chapter file starts another one. Each page of text is written to fit one A4 page with room
to spare, so the page count is the number of page blocks (cover + contents + chapter
pages) and does not drift with small font differences. ``EXPECTED_PAGES`` is checked by
the tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import markdown

logger = logging.getLogger(__name__)

#: Content version: bump when the text or the layout changes on purpose.
MANUAL_VERSION = "2026.11-1"
EXPECTED_PAGES = 23
TITLE = "Back Pain Relief Manual"
SUBTITLE = "Settle, stabilise, strengthen — and get back to running"

#: Where content/, templates/, figures/ and manual.css live. Read at call time so that
#: tests (or a practice with its own edition) can point it at a copy.
ASSET_DIR = Path(__file__).resolve().parent

PAGE_BREAK = "<!-- page -->"
_MD_EXTENSIONS = ["tables", "attr_list", "md_in_html", "sane_lists"]
_FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n", re.DOTALL)
_VERSION_RE = re.compile(r"^(?P<year>\d{4})\.(?P<month>\d{2})-(?P<rev>\d+)$")
#: Tagged PDF for accessibility: PDF/UA-1 (WeasyPrint >= 63 also sets pdf_tags for it).
_PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}
_HASHED_GLOBS = ("content/*.md", "templates/*.html", "figures/*.svg", "*.css")


class ManualBuildError(RuntimeError):
    """The manual could not be built (bad content file, refused resource)."""


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str
    title: str
    summary: str
    pages: tuple[str, ...]  # HTML of each page block

    @property
    def anchor(self) -> str:
        return f"ch-{self.slug}"


# --------------------------------------------------------------------------- versioning


def _hashed_files(root: Path) -> list[Path]:
    files: set[Path] = set()
    for pattern in _HASHED_GLOBS:
        files.update(p for p in root.glob(pattern) if p.is_file())
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def content_version() -> str:
    """``MANUAL_VERSION`` plus a short hash of every content, template, figure and CSS file.

    Any edit to the manual's sources gives a new value, so caches keyed on it are
    invalidated without anybody remembering to bump ``MANUAL_VERSION``.
    """
    root = ASSET_DIR
    digest = hashlib.sha256()
    for path in _hashed_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return f"{MANUAL_VERSION}-{digest.hexdigest()[:10]}"


def _version_date(version: str = MANUAL_VERSION) -> tuple[str, str]:
    """(W3C date for the PDF metadata, human label) derived from the version, never now()."""
    match = _VERSION_RE.match(version)
    if not match:
        raise ManualBuildError(f"MANUAL_VERSION {version!r} is not YYYY.MM-N")
    year, month = int(match["year"]), int(match["month"])
    if not 1 <= month <= 12:
        raise ManualBuildError(f"MANUAL_VERSION {version!r} has no valid month")
    months = (
        *("January", "February", "March", "April", "May", "June"),
        *("July", "August", "September", "October", "November", "December"),
    )  # not calendar.month_name: that follows the locale
    return f"{year:04d}-{month:02d}-01T00:00:00Z", f"{months[month - 1]} {year}"


# --------------------------------------------------------------------------- content


def _parse_chapter(path: Path, number: int) -> Chapter:
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ManualBuildError(f"{path.name}: missing front matter (--- title: ... ---)")
    meta: dict[str, str] = {}
    for line in match["meta"].splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip()] = value.strip()
    if not meta.get("title"):
        raise ManualBuildError(f"{path.name}: front matter has no title")
    body = text[match.end() :]
    pages = tuple(
        markdown.markdown(chunk.strip(), extensions=_MD_EXTENSIONS, output_format="html")
        for chunk in body.split(PAGE_BREAK)
    )
    slug = re.sub(r"^\d+-", "", path.stem)
    return Chapter(number, slug, meta["title"], meta.get("summary", ""), pages)


def load_chapters() -> list[Chapter]:
    """Chapters in file-name order (``01-…md``, ``02-…md``, …)."""
    files = sorted((ASSET_DIR / "content").glob("*.md"))
    if not files:
        raise ManualBuildError(f"no chapters in {ASSET_DIR / 'content'}")
    return [_parse_chapter(path, number) for number, path in enumerate(files, start=1)]


def planned_page_count() -> int:
    """Cover + contents + one page per page block. Equals the real count when nothing overflows."""
    return 2 + sum(len(ch.pages) for ch in load_chapters())


def _fill(fragment: str, values: dict[str, str]) -> str:
    """Replace ``{{name}}`` placeholders in rendered content with escaped values."""
    return re.sub(
        r"\{\{\s*(\w+)\s*\}\}",
        lambda m: values.get(m[1], m[0]),
        fragment,
    )


def build_html(*, site_name: str = "Backstride", site_url: str = "http://127.0.0.1:8000") -> str:
    """The complete HTML document that WeasyPrint turns into the manual."""
    chapters = load_chapters()
    created, date_label = _version_date()
    esc = {
        "site_name": html.escape(site_name),
        "site_url": html.escape(site_url),
        "site_host": html.escape(re.sub(r"^[a-z]+://", "", site_url).rstrip("/")),
        "version": html.escape(MANUAL_VERSION),
        "date_label": date_label,
        "title": html.escape(TITLE),
    }

    toc_items = "\n".join(
        f'<li><a href="#{ch.anchor}"><span class="toc-num">{ch.number}</span>'
        f'<span class="toc-title">{html.escape(ch.title)}</span></a>'
        f'<span class="toc-summary">{html.escape(ch.summary)}</span></li>'
        for ch in chapters
    )
    sections: list[str] = []
    for ch in chapters:
        for index, page in enumerate(ch.pages):
            body = _fill(page, esc)
            if index == 0:
                heading = (
                    f'<h1 id="{ch.anchor}"><span class="ch-num">{ch.number}</span> '
                    f"{html.escape(ch.title)}</h1>\n"
                )
                sections.append(
                    f'<section class="page chapter-start" id="{ch.anchor}-p1" '
                    f'data-chapter="{ch.number}">\n{heading}{body}\n</section>'
                )
            else:
                sections.append(
                    f'<section class="page" id="{ch.anchor}-p{index + 1}" '
                    f'data-chapter="{ch.number}">\n{body}\n</section>'
                )

    template = Template((ASSET_DIR / "templates" / "manual.html").read_text(encoding="utf-8"))
    return template.substitute(
        **esc,
        subtitle=html.escape(SUBTITLE),
        author=html.escape(
            "Backstride project"
            if site_name == "Backstride"
            else f"{site_name}, Backstride project"
        ),
        created=created,
        toc=toc_items,
        chapters="\n\n".join(sections),
    )


# --------------------------------------------------------------------------- rendering


def _url_fetcher() -> Any:
    """A WeasyPrint fetcher that reads only local files below ASSET_DIR and data: URLs."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    root = ASSET_DIR.resolve()

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "file":
                from urllib.parse import unquote, urlsplit

                target = Path(unquote(urlsplit(url).path)).resolve()
                if not target.is_relative_to(root):
                    raise FatalURLFetchingError(f"manual: refusing file outside assets: {url}")
            elif scheme != "data":
                raise FatalURLFetchingError(f"manual: refusing network fetch: {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("file", "data"))


def render_document(
    *, site_name: str = "Backstride", site_url: str = "http://127.0.0.1:8000"
) -> Any:
    """Lay out the manual; returns WeasyPrint's ``Document`` (pages, anchors) for checks."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _url_fetcher()
    base_url = ASSET_DIR.resolve().as_uri() + "/"
    try:
        stylesheet = CSS(
            string=(ASSET_DIR / "manual.css").read_text(encoding="utf-8"),
            base_url=base_url,
            url_fetcher=fetcher,
        )
        document = HTML(
            string=build_html(site_name=site_name, site_url=site_url),
            base_url=base_url,
            url_fetcher=fetcher,
        )
        return document.render(stylesheets=[stylesheet], **_PDF_OPTIONS)
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: make it an error
        raise ManualBuildError(str(exc)) from exc


def render_manual_pdf(
    *, site_name: str = "Backstride", site_url: str = "http://127.0.0.1:8000"
) -> bytes:
    """Render the manual to PDF bytes (tagged, PDF/UA-1, metadata fixed by the version).

    Deterministic: the same content and arguments give the same bytes.
    """
    document = render_document(site_name=site_name, site_url=site_url)
    return write_pdf(document, site_name=site_name, site_url=site_url)


def write_pdf(document: Any, *, site_name: str, site_url: str) -> bytes:
    """The PDF bytes of a laid-out manual; warns when the page count is not the planned one."""
    if len(document.pages) != EXPECTED_PAGES:
        logger.warning(
            "Back Pain Relief Manual has %d pages, expected %d: a page overflowed",
            len(document.pages),
            EXPECTED_PAGES,
        )
    identifier = hashlib.md5(  # noqa: S324 - a file identifier, not security
        f"{content_version()}|{site_name}|{site_url}".encode()
    ).hexdigest()
    pdf: bytes = document.write_pdf(**_PDF_OPTIONS, pdf_identifier=identifier.encode())
    return pdf


# --------------------------------------------------------------------------- caching


def cache_file_name(**kw: str) -> str:
    """``backstride-manual-<version>.pdf``; the version carries the render arguments' hash
    too when they differ from the defaults (a cache dir can serve several sites)."""
    version = content_version()
    if kw:
        params = "|".join(f"{key}={kw[key]}" for key in sorted(kw))
        version += "-" + hashlib.sha256(params.encode()).hexdigest()[:8]
    return f"backstride-manual-{version}.pdf"


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """Exclusive inter-process lock (POSIX flock); a no-op where fcntl is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_manual_pdf(cache_dir: Path, **kw: str) -> Path:
    """Return the path of the manual PDF for the current content version, rendering it once.

    The file is written to a temporary file in ``cache_dir`` and renamed into place, so a
    reader never sees half a file; a lock file makes concurrent workers render only once.
    """
    unknown = set(kw) - {"site_name", "site_url"}
    if unknown:
        raise TypeError(f"cached_manual_pdf() got unexpected arguments: {sorted(unknown)}")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / cache_file_name(**kw)
    if target.is_file():
        return target
    with _lock(cache_dir / f".{target.name}.lock"):
        if target.is_file():  # another worker finished while we waited
            return target
        pdf = render_manual_pdf(**kw)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(pdf)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
    # The zero-byte lock file stays: deleting it would let a late caller lock a fresh inode
    # while an earlier one still waits on the old.
    return target


# --------------------------------------------------------------------------- layout checks


def page_fill(document: Any) -> list[float]:
    """How full each page's content area is (0.0–1.0), from WeasyPrint's box tree.

    Used by the tests to keep headroom on every page, so that a slightly different font
    build cannot push a page over. Relies on WeasyPrint internals (``_page_box``).
    """
    from weasyprint.formatting_structure import boxes

    fills: list[float] = []
    for page in document.pages:
        page_box = page._page_box
        top = page_box.content_box_y()
        height = page_box.height
        bottom = top
        stack = [child for child in page_box.children if not isinstance(child, boxes.MarginBox)]
        while stack:
            box = stack.pop()
            children = getattr(box, "children", None)
            if isinstance(box, boxes.LineBox | boxes.ReplacedBox) or not children:
                bottom = max(bottom, box.position_y + box.margin_height())
            elif isinstance(box, boxes.BlockBox) and box.element_tag not in {"html", "body"}:
                bottom = max(bottom, box.position_y + box.margin_height() - box.margin_bottom)
                stack.extend(children)
            else:
                stack.extend(children)
        fills.append(round((bottom - top) / height, 3) if height else 1.0)
    return fills
