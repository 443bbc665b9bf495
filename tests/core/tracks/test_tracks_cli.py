"""`backstride activity stats` without Django: which arguments take the fast path."""

from __future__ import annotations

import io

import pytest
from trackfixtures import make_gpx, track

from backstride.core.tracks.cli import main, plain_stats_args


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["a.gpx"], (["a.gpx"], False)),
        (["--json", "a.gpx", "b.fit"], (["a.gpx", "b.fit"], True)),
        (["a.gpx", "--json"], (["a.gpx"], True)),
        (["--", "-odd.gpx"], (["-odd.gpx"], False)),
        ([], None),  # no file: Django's parser says what is missing
        (["--json"], None),
        (["--help"], None),
        (["-v", "2", "a.gpx"], None),  # Django's own options
        (["--settings", "x", "a.gpx"], None),
    ],
)
def test_only_plain_file_arguments_skip_django(
    args: list[str], expected: tuple[list[str], bool] | None
) -> None:
    assert plain_stats_args(args) == expected


def test_exit_code_counts_failed_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "run.gpx"
    good.write_bytes(make_gpx([track(30)]))
    out, err = io.StringIO(), io.StringIO()
    assert main([str(good)], out, err) == 0
    assert out.getvalue().startswith(f"{good}: other, ") and err.getvalue() == ""
    assert main([str(good), str(tmp_path / "none.gpx")], out, err) == 1
    assert err.getvalue() == "CommandError: 1 of 2 files could not be read.\n"
