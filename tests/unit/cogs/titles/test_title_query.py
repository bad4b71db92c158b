"""/title's name option: the declared 1–100 characters hold even when a client ignores them."""

from __future__ import annotations

import pytest

from bot.errors import UserFacingError
from cogs.titles.cog import title_query


def test_a_name_is_trimmed():
    assert title_query("  Goblin \n") == "Goblin"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_a_blank_name_is_refused_naming_the_limit(blank):
    with pytest.raises(UserFacingError) as refused:
        title_query(blank)
    assert "1 to 100 characters" in refused.value.message


def test_a_long_name_is_refused_without_echoing_it():
    with pytest.raises(UserFacingError) as refused:
        title_query("x" * 6000)
    assert refused.value.message == (
        "A title name can be at most 100 characters; that one has 6,000. Try a shorter part of it."
    )


def test_a_hundred_characters_are_accepted():
    assert title_query("y" * 100) == "y" * 100
