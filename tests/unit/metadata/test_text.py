"""Synopses as providers write them, shown as members should read them."""

from __future__ import annotations

import pytest

from bot.metadata.text import clean_synopsis


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("One.<br>\nTwo.", "One.\nTwo."),
        ("One.<br>\r\nTwo.", "One.\nTwo."),
        ("One.<br />Two.", "One.\nTwo."),
        ("One.<br><br>\nTwo.", "One.\n\nTwo."),
        ("<p>One.</p>\n<p>Two.</p>", "One.\nTwo."),
        ("One &amp; <i>two</i>.<br>\n<br>\n(Source: Crunchyroll)", "One & two."),
    ],
)
def test_a_break_and_its_newline_are_one_line_break(raw: str, shown: str) -> None:
    assert clean_synopsis(raw) == shown
