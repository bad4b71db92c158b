"""Poll charts: the results as bars, and the instant-runoff rounds of a ranked poll."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.charts.common import (
    ACCENT,
    BAR,
    OUT,
    SUBTLE,
    check_share,
    drawing,
    new_figure,
    percent,
    to_png,
)
from bot.charts.models import Bar

MAX_BARS = 10
LABEL_LIMIT = 36
TITLE_LIMIT = 90


def _votes(count: int) -> str:
    return f"{count:,} vote" if count == 1 else f"{count:,} votes"


def results_chart(title: str, bars: Sequence[Bar], *, total_line: str | None = None) -> bytes:
    """Horizontal bars in the given order, each with its percentage and count at its end; the
    highlighted bars (the winner, or every option of a tie) in the accent colour.

    The line under the chart is `total_line` (say "23 of 40 members voted"), else the total of
    the votes. 1 to 10 bars.
    """
    if not 1 <= len(bars) <= MAX_BARS:
        raise ValueError(f"a results chart has 1 to {MAX_BARS} bars, got {len(bars)}")
    for bar in bars:
        check_share(bar.share, f"the share of {bar.label!r}")
        if bar.votes < 0:
            raise ValueError(f"the votes of {bar.label!r} must not be negative")
    if total_line is None:
        total_line = f"{_votes(sum(bar.votes for bar in bars))} in total"

    with drawing() as write:
        figure = new_figure(8.0, 1.4 + 0.45 * len(bars))
        axes = figure.add_subplot()
        rows = list(range(len(bars)))
        top = max(0.01, *(bar.share for bar in bars))
        axes.barh(
            rows,
            [bar.share for bar in bars],
            height=0.62,
            color=[ACCENT if bar.highlight else BAR for bar in bars],
        )
        axes.set_yticks(rows, labels=[write(bar.label, LABEL_LIMIT) for bar in bars])
        for tick, bar in zip(axes.get_yticklabels(), bars, strict=True):
            if bar.highlight:
                tick.set_fontweight("bold")
        for row, bar in zip(rows, bars, strict=True):
            axes.text(
                bar.share + top * 0.015,
                row,
                f"{percent(bar.share)} · {_votes(bar.votes)}",
                va="center",
                fontweight="bold" if bar.highlight else "normal",
            )
        axes.set_xlim(0, top * 1.4)
        axes.set_ylim(len(bars) - 0.5, -0.5)  # the first bar on top
        axes.xaxis.set_visible(False)
        axes.spines["bottom"].set_visible(False)
        axes.tick_params(axis="y", length=0)
        figure.suptitle(write(title, TITLE_LIMIT, "text"), x=0.02, ha="left", fontweight="bold")
        figure.supxlabel(write(total_line, TITLE_LIMIT, "text"), fontsize=9, color=SUBTLE)
        return to_png(figure)


def _runoff_order(rounds: Sequence[Mapping[str, int]]) -> list[str]:
    """Every option, those that lasted longest first, then by their votes in their last round."""
    first_seen: dict[str, int] = {}
    for tally in rounds:
        for option in tally:
            first_seen.setdefault(option, len(first_seen))

    def key(option: str) -> tuple[int, int, int]:
        last = max(index for index, tally in enumerate(rounds) if option in tally)
        return (-last, -rounds[last][option], first_seen[option])

    return sorted(first_seen, key=key)


def rounds_chart(
    title: str,
    rounds: Sequence[Mapping[str, int]],
    eliminated: Sequence[Sequence[str]],
) -> bytes:
    """One panel per instant-runoff round, side by side, options in the same rows throughout.

    `rounds[i]` holds the votes of the options still in play in round i; `eliminated[i]` names
    the options knocked out after it (it may stop short: a round without an entry eliminated
    none). Eliminated bars are grey, hatched and marked "out"; the leaders of the last round
    are in the accent colour.
    """
    if not rounds:
        raise ValueError("a rounds chart needs at least one round")
    if len(eliminated) > len(rounds):
        raise ValueError("there are more lists of eliminated options than rounds")
    if any(votes < 0 for tally in rounds for votes in tally.values()):
        raise ValueError("votes must not be negative")

    order = _runoff_order(rounds)
    row_of = {option: row for row, option in enumerate(order)}
    most = max(1, *(votes for tally in rounds for votes in tally.values()))
    final = rounds[-1]
    final_out = set(eliminated[-1]) if len(eliminated) == len(rounds) else set()
    standing = {option: votes for option, votes in final.items() if option not in final_out}
    leaders = {o for o, v in standing.items() if v == max(standing.values()) and v > 0}

    with drawing() as write:
        panel = 2.3 if len(rounds) <= 4 else 1.8
        figure = new_figure(2.6 + panel * len(rounds), 1.5 + 0.45 * len(order))
        panels = figure.subplots(1, len(rounds), sharey=True, squeeze=False)[0]
        for index, (axes, tally) in enumerate(zip(panels, rounds, strict=True)):
            out = set(eliminated[index]) if index < len(eliminated) else set()
            total = sum(tally.values())
            for option, votes in tally.items():
                knocked_out = option in out
                leading = index == len(rounds) - 1 and option in leaders
                axes.barh(
                    row_of[option],
                    votes,
                    height=0.62,
                    color=OUT if knocked_out else ACCENT if leading else BAR,
                    hatch="//" if knocked_out else None,
                    edgecolor=SUBTLE if knocked_out else "none",
                    linewidth=0.0,
                )
                share = percent(votes / total) if total else "0%"
                axes.text(
                    votes + most * 0.03,
                    row_of[option],
                    f"{votes:,} ({share})" + (" out" if knocked_out else ""),
                    va="center",
                    fontsize=8.5,
                    color=SUBTLE if knocked_out else None,
                    fontweight="bold" if leading else "normal",
                )
            axes.set_title(f"Round {index + 1}", fontsize=10)
            axes.set_xlim(0, most * 1.9)
            axes.xaxis.set_visible(False)
            axes.spines["bottom"].set_visible(False)
            axes.tick_params(axis="y", length=0)
        first = panels[0]
        first.set_yticks(range(len(order)), labels=[write(o, LABEL_LIMIT) for o in order])
        first.set_ylim(len(order) - 0.5, -0.5)
        figure.suptitle(write(title, TITLE_LIMIT, "text"), x=0.02, ha="left", fontweight="bold")
        figure.supxlabel(
            "Hatched: eliminated after that round; its ballots count for their next choice.",
            fontsize=9,
            color=SUBTLE,
        )
        return to_png(figure)
