"""The quick picker's form: which fields count, what is refused, and the saved line."""

from __future__ import annotations

import pytest

from bot.errors import UserFacingError
from bot.metadata.models import Medium
from bot.taste.models import TitleRef
from cogs.recommend.quick_rate import NOTHING_RATED_TEXT, read_scores, saved_text

LABELS = {"catalog:goblin": "Goblin", "anilist:1": "Cowboy *Bebop*"}


def test_blank_fields_are_skipped_and_scores_are_read():
    scored = read_scores({"catalog:goblin": " 9 ", "anilist:1": ""}, LABELS)
    assert [(s.title_id, s.score) for s in scored] == [("catalog:goblin", 9)]


@pytest.mark.parametrize("typed", ["0", "11", "7.5", "x", "-3", "10+"])
def test_a_score_outside_one_to_ten_is_refused_naming_the_title(typed: str):
    with pytest.raises(UserFacingError) as refused:
        read_scores({"catalog:goblin": "8", "anilist:1": typed}, LABELS)
    text = str(refused.value)
    assert "from 1 to 10" in text
    assert "*Cowboy \\*Bebop\\**" in text  # the name, escaped
    assert "Goblin" not in text
    assert "Nothing was saved" in text


def test_all_blank_is_refused_with_a_hint():
    with pytest.raises(UserFacingError, match="every title blank"):
        read_scores({"catalog:goblin": " ", "anilist:1": ""}, LABELS)
    assert "1 to 10" in NOTHING_RATED_TEXT


def test_the_saved_line_lists_each_title_and_score_safely():
    line = saved_text(
        [
            (TitleRef("catalog:goblin", "Goblin", Medium.KDRAMA), 9),
            (TitleRef("anilist:1", "@everyone _Bebop_", Medium.ANIME), 6),
        ]
    )
    assert line.startswith("Saved 2 ratings: *Goblin* 9, ")
    assert "@everyone" not in line
    assert "\\_Bebop\\_" in line
    assert line.endswith("Here are picks for you now.")
