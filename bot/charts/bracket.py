"""A 4-, 8- or 16-entrant bracket drawn as an image, the champion at the right."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.charts.common import ACCENT, BACKGROUND, INK, RULE, SUBTLE, drawing, new_figure, to_png
from bot.charts.models import Match

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from bot.charts.common import Writer

ENTRANTS = (4, 8, 16)
LABEL_LIMIT = 24
TITLE_LIMIT = 90
BOX_WIDTH = 0.8  # a column is 1.0 wide: the box, then the connectors
BOX_HEIGHT = 0.72
WINNER_FILL = "#fcc2d7"
LOSER_FILL = "#f8f9fa"
OPEN_FILL = "#f1f3f5"


def _stage(matches: int) -> str:
    names = {1: "Final", 2: "Semi-finals", 4: "Quarter-finals"}
    return names.get(matches, f"Round of {2 * matches}")


def _check(rounds: Sequence[Sequence[Match]]) -> int:
    """The number of rounds a full bracket of this size has."""
    if not rounds or 2 * len(rounds[0]) not in ENTRANTS:
        raise ValueError("a bracket has 4, 8 or 16 entrants: its first round 2, 4 or 8 matches")
    full = (2 * len(rounds[0])).bit_length() - 1
    if len(rounds) > full:
        raise ValueError(f"a bracket of {2 * len(rounds[0])} has {full} rounds, got {len(rounds)}")
    for index, matches in enumerate(rounds):
        if len(matches) != len(rounds[0]) >> index:
            raise ValueError(f"round {index + 1} must have {len(rounds[0]) >> index} matches")
        for a, b, winner in matches:
            if winner is not None and winner not in (a, b):
                raise ValueError(f"the winner {winner!r} is not in the match {a!r} v {b!r}")
    return full


def _slot(rounds: Sequence[Sequence[Match]], column: int, slot: int) -> tuple[str, str]:
    """(name, state) of one slot: state is "won", "lost", "open" or "empty"."""
    if column < len(rounds):
        a, b, winner = rounds[column][slot // 2]
        name = (a, b)[slot % 2]
        if winner is None:
            return name, "open"
        return name, "won" if name == winner else "lost"
    if column - 1 < len(rounds):  # not played yet: filled by the winner before it, if known
        winner = rounds[column - 1][slot][2]
        if winner is not None:
            return winner, "open"
    return "", "empty"


def _box(axes: Axes, write: Writer, x: float, y: float, name: str, state: str) -> None:
    from matplotlib.patches import Rectangle

    fill, edge, colour, weight = {
        "won": (WINNER_FILL, ACCENT, INK, "bold"),
        "lost": (LOSER_FILL, RULE, SUBTLE, "normal"),
        "open": (OPEN_FILL, RULE, INK, "normal"),
        "empty": (BACKGROUND, RULE, INK, "normal"),
        "champion": (ACCENT, ACCENT, BACKGROUND, "bold"),
    }[state]
    corner = (x, y - BOX_HEIGHT / 2)
    axes.add_patch(Rectangle(corner, BOX_WIDTH, BOX_HEIGHT, facecolor=fill, edgecolor=edge))
    if name:
        label = write(name, LABEL_LIMIT)
        axes.text(x + 0.04, y, label, va="center", color=colour, fontweight=weight, fontsize=9)


def bracket_chart(title: str, rounds: Sequence[Sequence[Match]]) -> bytes:
    """The bracket: a column of matches per round, `(entrant A, entrant B, winner or None)`,
    lines joining each match to its place in the next round (the winner's path in the accent
    colour), and the champion at the right.

    `rounds` may stop before the final while the tournament runs; later columns show the
    winners known so far and empty places.
    """
    full = _check(rounds)
    leaves = 2 * len(rounds[0])

    def centre(column: int, slot: int) -> float:
        span = 1 << column
        return slot * span + (span - 1) / 2

    with drawing() as write:
        figure = new_figure(2.3 * (full + 1), max(3.0, 0.42 * leaves + 1.2), constrained=False)
        axes = figure.add_axes((0.01, 0.01, 0.98, 0.9))
        axes.set_axis_off()
        axes.set_xlim(-0.05, full + BOX_WIDTH + 0.05)
        axes.set_ylim(leaves - 0.4, -1.3)
        for column in range(full + 1):
            header = "Champion" if column == full else _stage(leaves >> (column + 1))
            axes.text(column + BOX_WIDTH / 2, -0.9, header, ha="center", color=SUBTLE, fontsize=9)
            for slot in range(leaves >> column):
                y = centre(column, slot)
                name, state = _slot(rounds, column, slot)
                _box(axes, write, column, y, name, "champion" if column == full and name else state)
                if column == full or slot % 2:
                    continue
                # Connect this slot and the next to their place in the next round.
                y_other, y_next = centre(column, slot + 1), centre(column + 1, slot // 2)
                right, middle = column + BOX_WIDTH, column + BOX_WIDTH + (1 - BOX_WIDTH) / 2
                axes.plot(
                    (right, middle, middle, right),
                    (y, y, y_other, y_other),
                    color=RULE,
                    linewidth=1.2,
                )
                axes.plot((middle, column + 1), (y_next, y_next), color=RULE, linewidth=1.2)
                winner = rounds[column][slot // 2][2] if column < len(rounds) else None
                if winner is not None:
                    y_win = y if winner == name else y_other
                    axes.plot(
                        (right, middle, middle, column + 1),
                        (y_win, y_win, y_next, y_next),
                        color=ACCENT,
                        linewidth=2.2,
                    )
        figure.suptitle(write(title, TITLE_LIMIT, "text"), x=0.02, ha="left", fontweight="bold")
        return to_png(figure)
