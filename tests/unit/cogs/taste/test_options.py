"""How /rate and friends read a title option: a picked suggestion, or a clear refusal."""

from __future__ import annotations

import pytest

from bot.errors import UserFacingError
from bot.metadata.models import Medium
from bot.taste.models import TitleRef
from cogs.taste.cog import find_entry, own_choices, picked_id

GOBLIN = TitleRef("catalog:goblin", "Guardian: The Lonely and Great God", Medium.KDRAMA)
TORADORA = TitleRef("anilist:4224", "Toradora!", Medium.ANIME)


def test_a_picked_suggestion_is_its_id():
    assert picked_id(" anilist:4224 ") == "anilist:4224"


@pytest.mark.parametrize("typed", ["Goblin", "anilist:", "imdb:tt123", "catalog:a b"])
def test_typed_text_is_refused_saying_to_pick_a_suggestion(typed: str):
    with pytest.raises(UserFacingError, match="Pick a title from the suggestions"):
        picked_id(typed)


def test_a_blank_title_is_refused():
    with pytest.raises(UserFacingError, match="Name a title"):
        picked_id("   ")


def test_the_refusal_shows_typed_text_without_markdown_or_pings():
    with pytest.raises(UserFacingError) as caught:
        picked_id("**x** @everyone " + "y" * 200)
    assert "\\*\\*x\\*\\* @\u200beveryone" in caught.value.message
    assert "y" * 60 not in caught.value.message


def test_an_entry_is_found_by_id_or_by_its_exact_name():
    refs = [GOBLIN, TORADORA]
    assert find_entry(refs, "anilist:4224") == TORADORA
    assert find_entry(refs, "toradora") == TORADORA
    assert find_entry(refs, "GUARDIAN: the lonely and great god") == GOBLIN
    assert find_entry(refs, "tora") is None
    assert find_entry(refs, "anilist:1") is None
    assert find_entry(refs, "   ") is None


def test_own_choices_match_part_of_a_name_and_fit_discord():
    long = TitleRef("tmdb:9", "z" * 300, Medium.LIVE_ACTION)
    refs = [GOBLIN, TORADORA, long]
    assert [c.value for c in own_choices(refs, "")] == ["catalog:goblin", "anilist:4224", "tmdb:9"]
    assert [(c.name, c.value) for c in own_choices(refs, "lonely")] == [
        ("Guardian: The Lonely and Great God \u00b7 K-drama", "catalog:goblin")
    ]
    [choice] = own_choices(refs, "zz")
    assert len(choice.name) == 100
    assert choice.name.endswith("\u2026 \u00b7 Live action")
    many = [TitleRef(f"tmdb:{n}", f"Show {n}", Medium.KDRAMA) for n in range(40)]
    assert len(own_choices(many, "show")) == 25
