"""Render editor Markdown to safe HTML, with a table of contents and a reading time.

The Markdown is rendered by Python-Markdown and the HTML is then cleaned by ``nh3`` (the
Rust ``ammonia`` sanitiser) with an allow-list: scripts, styles, event-handler attributes,
``javascript:`` / ``data:`` URLs and anything else not on the list are removed. Raw HTML in
the source is allowed only as far as the allow-list goes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown as md_lib
import nh3

__all__ = [
    "ALLOWED_TAGS",
    "READING_WPM",
    "RenderedMarkdown",
    "TocEntry",
    "plain_text",
    "reading_minutes",
    "render_markdown",
    "sanitize_html",
    "unsafe_constructs",
    "word_count",
]

READING_WPM = 220
TOC_MIN_WORDS = 600
TOC_MIN_HEADINGS = 3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True, slots=True)
class TocEntry:
    level: int
    id: str
    title: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    html: str
    toc: tuple[TocEntry, ...] = field(default=())
    words: int = 0

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.words)

    @property
    def show_toc(self) -> bool:
        """A table of contents helps only in long pieces with several sections."""
        count = sum(1 + len(e.children) for e in self.toc)
        return self.words >= TOC_MIN_WORDS and count >= TOC_MIN_HEADINGS


def sanitize_html(html: str) -> str:
    """Clean HTML against the allow-list (links get ``rel="noopener noreferrer"``)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_WORD = re.compile(r"[\w’'-]+", re.UNICODE)


def plain_text(html: str) -> str:
    """The text of an HTML fragment with every tag removed (script/style content dropped)."""
    text = nh3.clean(html, tags=set(), strip_comments=True)
    # nh3 escapes the text it keeps; undo the few entities it produces.
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'")):
        text = text.replace(entity, char)
    return re.sub(r"\s+", " ", text.replace("&amp;", "&")).strip()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def reading_minutes(words: int, wpm: int = READING_WPM) -> int:
    """Whole minutes at ``wpm`` words a minute, at least one."""
    return max(1, math.ceil(words / wpm))


def _toc_entries(tokens: list[dict[str, object]]) -> tuple[TocEntry, ...]:
    entries = []
    for token in tokens:
        children = token.get("children") or []
        assert isinstance(children, list)
        entries.append(
            TocEntry(
                level=int(str(token["level"])),
                id=str(token["id"]),
                title=plain_text(str(token.get("html") or token["name"])),
                children=_toc_entries(children),
            )
        )
    return tuple(entries)


def render_markdown(source: str) -> RenderedMarkdown:
    """Markdown → sanitised HTML, with the headings (h2–h3) as a table of contents."""
    converter = md_lib.Markdown(
        extensions=["toc", "tables", "fenced_code", "sane_lists", "smarty"],
        extension_configs={"toc": {"toc_depth": "2-3", "permalink": False}},
        output_format="html",
    )
    raw = converter.convert(source or "")
    html = sanitize_html(raw)
    tokens = getattr(converter, "toc_tokens", [])
    # The toc extension nests h3 under h2; a top-level h1 in the source becomes part of the
    # article body but not of the table of contents (the page has its own h1).
    toc = _toc_entries([t for t in tokens if t.get("level") in (2, 3)])
    return RenderedMarkdown(html=html, toc=toc, words=word_count(plain_text(html)))


_DANGEROUS_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "svg", "math", "link", "meta", "base",
}  # fmt: skip
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster"}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def _flag(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DANGEROUS_TAGS:
            self._flag(f"<{tag}> elements are not allowed")
        for name, value in attrs:
            if name.startswith("on"):
                self._flag(f"event-handler attributes such as {name}= are not allowed")
            elif name == "style":
                self._flag("inline style= attributes are not allowed")
            elif name in _URL_ATTRS and value is not None:
                compact = "".join(value.split()).lower()
                scheme = compact.split(":", 1)[0] if ":" in compact else ""
                if scheme and scheme not in URL_SCHEMES and "/" not in scheme:
                    self._flag(f"{scheme}: links are not allowed (use http, https or mailto)")

    handle_startendtag = handle_starttag


def unsafe_constructs(source: str) -> list[str]:
    """Explain what in ``source`` would be removed for safety (empty when nothing would).

    The renderer removes these anyway; the editor pages use this list to tell the writer,
    rather than silently publishing something different from what they wrote.
    """
    raw = md_lib.markdown(source or "", extensions=["tables", "fenced_code", "sane_lists"])
    inspector = _Inspector()
    inspector.feed(raw)
    inspector.close()
    return inspector.problems
