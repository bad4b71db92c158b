"""Charts for polls and the server's compass: plain data in, PNG bytes out.

A shared helper (no discord import). Each chart function draws synchronously with matplotlib,
imported on first use; a bot runs them through `ChartRenderer`, which keeps them off the event
loop on one worker thread:

    png = await renderer.render(functools.partial(results_chart, "Tonight?", bars))
"""

from bot.charts.bracket import bracket_chart
from bot.charts.labels import chart_label
from bot.charts.models import Bar, Match, TrendPoint
from bot.charts.polls import results_chart, rounds_chart
from bot.charts.renderer import ChartRenderer
from bot.charts.trend import trend_chart

__all__ = [
    "Bar",
    "ChartRenderer",
    "Match",
    "TrendPoint",
    "bracket_chart",
    "chart_label",
    "results_chart",
    "rounds_chart",
    "trend_chart",
]
