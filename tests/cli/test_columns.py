"""Plain tables: aligned, whole cells, no markup read."""

from __future__ import annotations

from monitor.columns import render


def test_columns_align_under_their_headers() -> None:
    text = render(("id", "what"), [("7", "Taliban removed"), ("1234", "[b]not bold[/b]")])
    assert text.splitlines() == [
        " id    what",
        " 7     Taliban removed",
        " 1234  [b]not bold[/b]",
    ]


def test_a_long_cell_stays_on_one_line_and_no_line_ends_in_spaces() -> None:
    error = "connection refused " * 20
    lines = render(
        ("source", "error", "x"), [("a", error.strip(), ""), ("bb", "", "")]
    ).splitlines()
    assert len(lines) == 3
    assert error.strip() in lines[1]
    assert all(line == line.rstrip() for line in lines)
    assert lines[2] == " bb"
