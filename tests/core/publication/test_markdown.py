import pytest

from backstride.core.publication.markdown import (
    plain_text,
    reading_minutes,
    render_markdown,
    sanitize_html,
    unsafe_constructs,
)


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Hello <img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="javascript&colon;alert(1)">x</a>',
        '<p onclick="alert(1)">hi</p>',
        "<iframe src='https://evil.example'></iframe>",
        '<svg onload="alert(1)"></svg>',
        "<style>body{display:none}</style>",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "![x](javascript:alert(1))",
    ],
)
def test_unsafe_markdown_is_neutralised(source):
    html = render_markdown(source).html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<style",
                "data:text", "<svg"):  # fmt: skip
        assert bad not in html, (source, html)


def test_safe_markdown_survives():
    result = render_markdown(
        "## Walking\n\nA **brisk** walk, see [NICE](https://www.nice.org.uk/guidance/ng59).\n\n"
        "![A runner on a path](/media/runner.jpg)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert '<h2 id="walking">Walking</h2>' in result.html
    assert "<strong>brisk</strong>" in result.html
    assert 'href="https://www.nice.org.uk/guidance/ng59"' in result.html
    assert 'rel="noopener noreferrer"' in result.html
    assert 'alt="A runner on a path"' in result.html
    assert "<table>" in result.html


def test_toc_lists_h2_and_nested_h3_for_long_pieces():
    body = "word " * 700
    source = f"# Ignored\n\n## First\n\n{body}\n\n### Detail\n\ntext\n\n## Second\n\ntext\n"
    result = render_markdown(source)
    assert [e.title for e in result.toc] == ["First", "Second"]
    assert [c.title for c in result.toc[0].children] == ["Detail"]
    assert result.toc[0].id == "first"
    assert result.show_toc


def test_short_pieces_have_no_toc():
    result = render_markdown("## A\n\nx\n\n## B\n\ny\n\n## C\n\nz\n")
    assert len(result.toc) == 3
    assert not result.show_toc


def test_reading_time():
    assert reading_minutes(0) == 1
    assert reading_minutes(220) == 1
    assert reading_minutes(221) == 2
    assert render_markdown("word " * 1000).reading_minutes == 5


def test_plain_text_drops_tags_and_script_content():
    assert plain_text("<p>Hello <b>you</b> &amp; me</p><script>x()</script>") == "Hello you & me"


def test_sanitize_html_keeps_heading_ids_only_on_headings():
    assert sanitize_html('<h2 id="a">A</h2><p id="b">B</p>') == '<h2 id="a">A</h2><p>B</p>'


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ('<img src="x" onerror="alert(1)">', "onerror="),
        ("[x](javascript:alert(1))", "javascript:"),
        ('<a href="jav&#x09;ascript:alert(1)">x</a>', "javascript:"),
        ('<a href="javascript&colon;alert(1)">x</a>', "javascript:"),
        ('<p style="position:fixed">x</p>', "style="),
        ("<iframe src=https://example.com></iframe>", "<iframe>"),
    ],
)
def test_unsafe_constructs_are_explained(source, fragment):
    problems = unsafe_constructs(source)
    assert any(fragment in p for p in problems), problems


def test_ordinary_markdown_has_no_unsafe_constructs():
    assert unsafe_constructs("## Hi\n\n[NICE](https://nice.org.uk) and [me](/about/) and "
                             "[mail](mailto:a@b.c) and [anchor](#top)") == []  # fmt: skip
