"""The /poll answer builders: data in, embed out."""

from __future__ import annotations

from bot.polls.models import CountedOption, Poll, PollKind, ResultsVisibility
from bot.polls.stats import CompassStats
from cogs.polls.embeds import stats_embed, voters_embed


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


def _poll(labels: list[str], *, kind: PollKind = PollKind.MULTI, votes: int = 0) -> Poll:
    return Poll(
        id=7,
        guild_id=1,
        channel_id=2,
        creator_id=3,
        question="q" * 200,
        kind=kind,
        max_choices=len(labels),
        anonymous=False,
        results=ResultsVisibility.LIVE,
        options=tuple(CountedOption(i, label, votes) for i, label in enumerate(labels)),
        opened_at=0,
        closes_at=100,
        turnout=votes,
        revision=1,
    )


def test_who_voted_fits_discords_embed_limit_however_many_voted():
    labels = [f"Option {n}" for n in range(10)]
    voters = [(10**17 + n, tuple(range(10))) for n in range(300)]  # everyone chose everything
    embed = voters_embed(_poll(labels), voters)
    assert len(embed) <= 6000
    assert all(len(field.value or "") <= 1024 for field in embed.fields)
    assert embed.fields[0].value.endswith(" +280")  # the rest are counted, not dropped
    assert "<@100000000000000000>" in embed.fields[0].value
