from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstride.core.publication.http_range import (
    ByteRange,
    Ignore,
    Unsatisfiable,
    content_range,
    if_range_allows,
    parse_range,
)

SIZE = 10_000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-0", ByteRange(0, 0, SIZE)),
        ("bytes=0-499", ByteRange(0, 499, SIZE)),
        ("bytes=500-999", ByteRange(500, 999, SIZE)),
        ("bytes=-500", ByteRange(9500, 9999, SIZE)),
        ("bytes=9500-", ByteRange(9500, 9999, SIZE)),
        ("bytes=0-", ByteRange(0, 9999, SIZE)),
        ("bytes=9000-20000", ByteRange(9000, 9999, SIZE)),  # last clamped to the end
        ("bytes=-20000", ByteRange(0, 9999, SIZE)),  # suffix longer than the file
        ("BYTES = 1-2", ByteRange(1, 2, SIZE)),  # unit is case-insensitive, OWS allowed
        ("bytes=5-5,", ByteRange(5, 5, SIZE)),  # empty list elements are allowed
    ],
)
def test_satisfiable_single_ranges(header, expected):
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header", ["bytes=10000-", "bytes=10000-10001", "bytes=-0", "bytes=20000-"]
)
def test_unsatisfiable_ranges_answer_416(header):
    result = parse_range(header, SIZE)
    assert result == Unsatisfiable(SIZE)
    assert content_range(result) == "bytes */10000"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "items=0-5",
        "bytes",
        "bytes=",
        "bytes=abc",
        "bytes=-",
        "bytes=5-1",  # last before first: invalid, so ignored
        "bytes=+1-5",
        "bytes=1--5",
        "bytes=0-1,5-9",  # multiple ranges are served as 200 with the full file
    ],
)
def test_ignored_headers_serve_the_full_file(header):
    assert isinstance(parse_range(header, SIZE), Ignore)


def test_empty_file_is_never_satisfiable():
    assert parse_range("bytes=0-", 0) == Unsatisfiable(0)
    assert parse_range("bytes=-5", 0) == Unsatisfiable(0)


def test_content_range_for_partial():
    assert content_range(ByteRange(0, 99, 1000)) == "bytes 0-99/1000"


@given(
    size=st.integers(min_value=1, max_value=10**7),
    first=st.integers(min_value=0, max_value=10**7),
    last=st.integers(min_value=0, max_value=10**7),
)
def test_a_satisfied_range_always_lies_inside_the_file(size, first, last):
    result = parse_range(f"bytes={first}-{last}", size)
    if isinstance(result, ByteRange):
        assert 0 <= result.start <= result.end < size
        assert result.length == result.end - result.start + 1
    elif isinstance(result, Unsatisfiable):
        assert first >= size
    else:
        assert last < first


def test_if_range_with_the_current_strong_etag_keeps_the_range():
    modified = datetime(2025, 1, 5, 7, 0, tzinfo=UTC)
    assert if_range_allows(None, '"abc"', modified)
    assert if_range_allows('"abc"', '"abc"', modified)
    assert not if_range_allows('"old"', '"abc"', modified)
    assert not if_range_allows('W/"abc"', '"abc"', modified)
    assert if_range_allows("Sun, 05 Jan 2025 07:00:00 GMT", '"abc"', modified)
    assert not if_range_allows("Sun, 05 Jan 2025 06:59:59 GMT", '"abc"', modified)
    assert not if_range_allows("not a date", '"abc"', modified)
