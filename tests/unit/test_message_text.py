"""Text members typed, shown in a message: escaped, never a ping, and cut to fit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.message_text import in_message, shown_within

TYPED = st.text(alphabet=st.sampled_from("ab *_|`~[]\\@<>&!1everyonhr\u200b한"), max_size=80)


@given(text=TYPED, room=st.integers(min_value=1, max_value=120))
def test_shown_text_always_fits_and_keeps_the_longest_start_that_does(text, room):
    shown = shown_within(text, room)
    assert len(shown) <= room
    if len(in_message(text)) <= room:
        assert shown == in_message(text)
    else:
        assert shown.endswith("\u2026")


@given(text=TYPED)
def test_shown_text_never_pings(text):
    for room in (5, 20, 200):
        shown = shown_within(text, room)
        assert "@everyone" not in shown
        assert "@here" not in shown
        assert not re.search(r"<@[!&]?\d", shown)  # no user or role mention syntax


def test_markdown_heavy_names_keep_what_fits_not_just_an_ellipsis():
    assert shown_within("aaa***a*", 4) == "aaa\u2026"
    assert shown_within("*" * 30 + " A", 24) == "\\*" * 11 + "\u2026"
    assert shown_within("Goblin", 24) == "Goblin"
