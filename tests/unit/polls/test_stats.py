"""The server's story compass: how closed versus polls lean, over time, and who won most."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.polls.models import CountedOption, Poll, PollKind, ResultsVisibility, TitleCard
from bot.polls.stats import compass_stats

DAY = 86_400
START = int(datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp())


def card(title_id: str, medium: str) -> TitleCard:
    return TitleCard(title_id, title_id.title(), medium, 0.5, 0.5)


def versus(n: int, winners: tuple[int, ...], *, day: int, fantasy_medium: str = "anime") -> Poll:
    slow = card(f"slow{n % 2}", "kdrama")
    fantasy = card(f"fantasy{n % 3}", fantasy_medium)
    return Poll(
        id=n,
        guild_id=1,
        channel_id=2,
        creator_id=3,
        question="which do we watch next?",
        kind=PollKind.VERSUS,
        max_choices=1,
        anonymous=True,
        results=ResultsVisibility.AT_CLOSE,
        options=(
            CountedOption(0, slow.name, 0, slow),
            CountedOption(1, fantasy.name, 0, fantasy),
        ),
        opened_at=START + day * DAY - 3600,
        closes_at=START + day * DAY,
        turnout=1,
        revision=1,
        closed_at=START + day * DAY,
        winners=winners,
    )


def test_wins_by_side_and_medium_with_ties_counted_apart():
    stats = compass_stats(
        [
            versus(1, (0,), day=0),
            versus(2, (1,), day=0),
            versus(3, (0,), day=1),
            versus(4, (0, 1), day=2),  # a tie leans nowhere
            versus(5, (), day=2),  # nobody voted
            versus(6, (1,), day=3, fantasy_medium="kdrama"),  # a fantasy K-drama won
        ]
    )
    assert (stats.polls, stats.slow_burn_wins, stats.fantasy_wins, stats.undecided) == (
        6,
        2,
        2,
        2,
    )
    assert (stats.kdrama_wins, stats.anime_wins, stats.other_medium_wins) == (3, 1, 0)


def test_the_trend_is_the_running_share_by_day():
    stats = compass_stats([versus(1, (0,), day=0), versus(2, (1,), day=0), versus(3, (0,), day=1)])
    assert [
        (p.when, round(p.slow_burn_share, 2), round(p.kdrama_share, 2)) for p in stats.trend
    ] == [
        (date(2026, 12, 1), 0.5, 0.5),
        (date(2026, 12, 2), 0.67, 0.67),
    ]


def test_the_titles_that_won_most_come_first():
    stats = compass_stats([versus(n, (0,), day=n) for n in range(5)] + [versus(9, (1,), day=9)])
    assert [(t.label, t.wins) for t in stats.top_titles][:2] == [("Slow0", 3), ("Slow1", 2)]


def test_no_polls_no_lean():
    stats = compass_stats([])
    assert stats.polls == 0
    assert stats.trend == ()
    assert stats.top_titles == ()
