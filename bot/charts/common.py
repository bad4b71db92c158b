"""What every chart shares: the palette, the style, safe text and the PNG writer."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.charts.fonts import ChartFonts, chart_fonts, load_matplotlib
from bot.charts.labels import fit_to_fonts, shorten

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
BACKGROUND = "#ffffff"
INK = "#212529"
SUBTLE = "#868e96"
RULE = "#dee2e6"
BAR = "#a5b4c8"
ACCENT = "#d6336c"  # the winner; and the slow-burn line
OUT = "#ced4da"  # eliminated
KDRAMA = "#1c7ed6"


@dataclass(frozen=True)
class Writer:
    """Turns user text into chart text: drawable with the installed fonts, cut to a length,
    and with "$" escaped so matplotlib never reads it as mathtext."""

    fonts: ChartFonts

    def __call__(self, text: str, limit: int, noun: str = "title") -> str:
        fitted = shorten(fit_to_fonts(text, self.fonts.covers, noun), limit)
        return fitted.replace("$", r"\$")


@contextmanager
def drawing() -> Iterator[Writer]:
    """matplotlib loaded and styled for one chart; the settings apply only inside the block."""
    load_matplotlib()
    import matplotlib

    fonts = chart_fonts()
    with matplotlib.rc_context(
        {
            "font.family": list(fonts.families),
            "font.size": 10.0,
            "text.color": INK,
            "text.usetex": False,
            "axes.edgecolor": RULE,
            "axes.labelcolor": INK,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "xtick.color": INK,
            "ytick.color": INK,
            "figure.facecolor": BACKGROUND,
            "axes.facecolor": BACKGROUND,
            "savefig.facecolor": BACKGROUND,
        }
    ):
        yield Writer(fonts)


def new_figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    """A figure of `width` x `height` inches at DPI, on the Agg canvas (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes; no software or date metadata, so equal data gives equal bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def percent(share: float) -> str:
    value = share * 100
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def check_share(share: float, what: str) -> None:
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"{what} must be a fraction from 0 to 1, got {share!r}")
