"""The server's story compass over time: two lines from 0 to 100%."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.charts.common import (
    ACCENT,
    KDRAMA,
    SUBTLE,
    check_share,
    drawing,
    new_figure,
    to_png,
)
from bot.charts.models import TrendPoint

TITLE_LIMIT = 90


def trend_chart(title: str, points: Sequence[TrendPoint]) -> bytes:
    """The share of versus polls won by the slow-burn side and by the K-drama side, by date.

    Points are drawn in date order; with none, the chart says there is nothing yet.
    """
    for point in points:
        check_share(point.slow_burn_share, f"the slow-burn share on {point.when}")
        check_share(point.kdrama_share, f"the K-drama share on {point.when}")
    ordered = sorted(points, key=lambda point: point.when)

    with drawing() as write:
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
        from matplotlib.ticker import PercentFormatter

        figure = new_figure(8.0, 4.0)
        axes = figure.add_subplot()
        figure.suptitle(write(title, TITLE_LIMIT, "text"), x=0.02, ha="left", fontweight="bold")
        if not ordered:
            axes.set_axis_off()
            axes.text(0.5, 0.5, "No versus polls have closed yet.", ha="center", color=SUBTLE)
            return to_png(figure)
        days = [point.when for point in ordered]
        for shares, colour, label in (
            ([p.slow_burn_share for p in ordered], ACCENT, "Slow-burn side won"),
            ([p.kdrama_share for p in ordered], KDRAMA, "K-drama side won"),
        ):
            axes.plot(
                days,  # type: ignore[arg-type]  # matplotlib's units convert dates
                [100 * share for share in shares],
                color=colour,
                linewidth=2.0,
                marker="o",
                markersize=4,
                label=label,
                clip_on=False,
            )
        axes.axhline(50, color=SUBTLE, linewidth=0.8, linestyle="--")
        axes.set_ylim(0, 100)
        if days[0] == days[-1]:  # one day: a week either side, not matplotlib's years
            axes.set_xlim(days[0] - timedelta(days=7), days[0] + timedelta(days=7))  # type: ignore[arg-type]
        axes.yaxis.set_major_formatter(PercentFormatter(100))
        axes.set_ylabel("Share of versus polls")
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        axes.grid(axis="y", color="#f1f3f5")
        figure.legend(loc="outside upper right", frameon=False, ncols=2)
        figure.supxlabel(
            "Above the dashed line, the server leans slow-burn (or K-drama); below, fantasy "
            "(or anime).",
            fontsize=9,
            color=SUBTLE,
        )
        return to_png(figure)
