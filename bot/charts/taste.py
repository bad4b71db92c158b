"""A member's taste on the story compass: them, the rest of the server, and their favourites,
placed on the two axes (x slow-burn, y fantasy, each 0 to 1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.charts.common import (
    ACCENT,
    BAR,
    INK,
    KDRAMA,
    RULE,
    SUBTLE,
    check_share,
    drawing,
    new_figure,
    to_png,
)

TITLE_LIMIT = 70
NAME_LIMIT = 28  # a favourite's label
MARK_LIMIT = 24  # the member's and the server's labels
MAX_FAVOURITES = 8
_LABEL_HEIGHT = 0.045  # axes units a label takes up, for keeping labels apart
_LABEL_WIDTH = 0.3


@dataclass(frozen=True)
class CompassMark:
    """One point on the compass: `slow_burn` and `fantasy` are fractions in [0, 1]."""

    label: str
    slow_burn: float
    fantasy: float


def _check(mark: CompassMark) -> None:
    check_share(mark.slow_burn, f"the slow-burn score of {mark.label!r}")
    check_share(mark.fantasy, f"the fantasy score of {mark.label!r}")


def label_spots(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Where each label goes: just right of its point (left of it near the right edge), moved
    down or up until it no longer covers an earlier label."""
    placed: list[tuple[float, float, float]] = []  # (left, right, y) of each label
    spots: list[tuple[float, float]] = []
    for x, y in points:
        rightward = x < 1 - _LABEL_WIDTH
        lx = x + 0.02 if rightward else x - 0.02
        left, right = (lx, lx + _LABEL_WIDTH) if rightward else (lx - _LABEL_WIDTH, lx)
        ly = y
        for step in range(13):
            offset = (step + 1) // 2 * _LABEL_HEIGHT * (1 if step % 2 else -1)
            candidate = min(1.02, max(-0.02, y + offset))
            if all(
                abs(candidate - py) >= _LABEL_HEIGHT or right <= pl or left >= pr
                for pl, pr, py in placed
            ):
                ly = candidate
                break
        placed.append((left, right, ly))
        spots.append((lx, ly))
    return spots


def taste_chart(
    title: str,
    member: CompassMark,
    server: CompassMark | None,
    favourites: Sequence[CompassMark],
) -> bytes:
    """The member as a large pink point, the server as a blue diamond, and up to 8 favourites
    as small labelled dots, on the compass square. Labels are cut to fit and escaped."""
    if len(favourites) > MAX_FAVOURITES:
        raise ValueError(f"a taste chart shows up to {MAX_FAVOURITES} favourites")
    for mark in (member, *([server] if server else []), *favourites):
        _check(mark)

    with drawing() as write:
        figure = new_figure(7.0, 6.4)
        axes = figure.add_subplot()
        figure.suptitle(write(title, TITLE_LIMIT, "text"), x=0.02, ha="left", fontweight="bold")
        axes.set_xlim(-0.04, 1.04)
        axes.set_ylim(-0.04, 1.04)
        axes.set_aspect("equal")
        axes.axhline(0.5, color=RULE, linewidth=0.8, zorder=0)
        axes.axvline(0.5, color=RULE, linewidth=0.8, zorder=0)
        for x, y, text, ha, va in (
            (0.98, 0.98, "slow-burn fantasy", "right", "top"),
            (0.02, 0.98, "fantasy", "left", "top"),
            (0.98, 0.02, "grounded slow-burn", "right", "bottom"),
            (0.02, 0.02, "neither", "left", "bottom"),
        ):
            axes.text(x, y, text, ha=ha, va=va, color=SUBTLE, fontsize=9, style="italic")
        axes.set_xlabel("Slow-burn  \u2192")
        axes.set_ylabel("Fantasy  \u2192")
        axes.set_xticks([0, 0.25, 0.5, 0.75, 1])
        axes.set_yticks([0, 0.25, 0.5, 0.75, 1])

        points = [(m.slow_burn, m.fantasy) for m in favourites]
        axes.scatter(
            [x for x, _ in points],
            [y for _, y in points],
            s=36,
            color=BAR,
            edgecolors=INK,
            linewidths=0.5,
            zorder=2,
        )
        marks: list[tuple[CompassMark, int]] = [(m, NAME_LIMIT) for m in favourites]
        if server is not None:
            axes.scatter(
                [server.slow_burn],
                [server.fantasy],
                s=130,
                marker="D",
                color=KDRAMA,
                edgecolors="white",
                linewidths=1.2,
                zorder=3,
            )
            marks.append((server, MARK_LIMIT))
        axes.scatter(
            [member.slow_burn],
            [member.fantasy],
            s=260,
            marker="*",
            color=ACCENT,
            edgecolors="white",
            linewidths=1.0,
            zorder=4,
        )
        marks.append((member, MARK_LIMIT))
        # The member's label is placed first, so it sits right by its point.
        ordered = list(reversed(marks))
        spots = label_spots([(m.slow_burn, m.fantasy) for m, _ in ordered])
        for (mark, limit), (lx, ly) in zip(ordered, spots, strict=True):
            emphasis = mark is member or mark is server
            moved = abs(ly - mark.fantasy) > 1e-9
            axes.annotate(
                write(mark.label, limit, "name" if emphasis else "title"),
                xy=(mark.slow_burn, mark.fantasy),
                xytext=(lx, ly),
                arrowprops={"arrowstyle": "-", "color": SUBTLE, "linewidth": 0.5}
                if moved
                else None,
                ha="left" if lx > mark.slow_burn else "right",
                va="center",
                fontsize=10 if emphasis else 8.5,
                fontweight="bold" if emphasis else "normal",
                color=ACCENT if mark is member else KDRAMA if mark is server else INK,
                zorder=5,
            )
        return to_png(figure)
