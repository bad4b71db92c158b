"""The /poll answer builders: data in, embed out."""

from __future__ import annotations

from bot.polls.stats import CompassStats
from cogs.polls.embeds import stats_embed


def _stats(polls: int, undecided: int = 0) -> CompassStats:
    return CompassStats(
        polls=polls,
        slow_burn_wins=polls - undecided,
        fantasy_wins=0,
        undecided=undecided,
        kdrama_wins=polls - undecided,
        anime_wins=0,
        other_medium_wins=0,
        trend=(),
        top_titles=(),
    )


def test_the_compass_counts_its_polls_in_words_that_agree():
    assert stats_embed(_stats(1), server="Club", chart=False).description == (
        "Across 1 closed versus poll."
    )
    assert stats_embed(_stats(3, undecided=1), server="Club", chart=False).description == (
        "Across 3 closed versus polls (1 tied or without votes)."
    )
