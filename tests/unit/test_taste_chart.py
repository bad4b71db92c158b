"""The taste chart: a PNG of a sensible size, deterministic, with any name drawable and safe."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator

import pytest

from bot.charts import fonts as chart_font_module
from bot.charts.fonts import chart_fonts
from bot.charts.renderer import ChartRenderer
from bot.charts.taste import MAX_FAVOURITES, CompassMark, label_spots, taste_chart
from tests.unit.test_charts import image_size

ME = CompassMark("Sora", 0.62, 0.41)
SERVER = CompassMark("Rest of the server", 0.5, 0.55)
FAVOURITES = [
    CompassMark("Crash Landing on You", 0.81, 0.0),
    CompassMark("Guardian: The Lonely and Great God", 0.8, 0.94),
    CompassMark("Hotel del Luna", 0.74, 0.94),
    CompassMark("Frieren: Beyond Journey's End", 0.2, 0.9),
]


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(chart_font_module, "find_cjk_font", lambda: None)
    chart_fonts.cache_clear()
    yield
    chart_fonts.cache_clear()


def test_a_taste_chart_is_a_square_ish_png_and_the_same_data_gives_the_same_bytes():
    png = taste_chart("Your taste in K-Drama Club", ME, SERVER, FAVOURITES)
    width, height = image_size(png)
    assert 500 <= width <= 1000
    assert 500 <= height <= 1000
    assert png == taste_chart("Your taste in K-Drama Club", ME, SERVER, FAVOURITES)


def test_where_the_member_sits_changes_the_chart():
    moved = CompassMark("Sora", 0.2, 0.9)
    assert taste_chart("T", ME, SERVER, FAVOURITES) != taste_chart("T", moved, SERVER, FAVOURITES)


def test_without_a_server_or_favourites_it_still_draws():
    image_size(taste_chart("Your taste", ME, None, []))


def test_names_with_markdown_mentions_and_dollars_are_drawn_as_text():
    # "$...$" unescaped would be mathtext (and "\frac{" would fail it).
    me = CompassMark(r"**Sora** <@123> @everyone $\frac{", 0.6, 0.4)
    odd = [CompassMark(r"$5 \frac{ vs $10 ||spoiler||", 0.3, 0.3), CompassMark("x" * 300, 1, 1)]
    image_size(taste_chart(r"@everyone's taste in __Club__ $", me, SERVER, odd))


def test_without_a_cjk_font_a_hangul_name_becomes_a_placeholder(no_cjk_font: None):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        drawn = taste_chart("T", ME, None, [CompassMark("사랑의 불시착", 0.8, 0.1)])
    assert drawn == taste_chart("T", ME, None, [CompassMark("(title in Korean)", 0.8, 0.1)])


def test_bad_points_and_too_many_favourites_are_refused():
    with pytest.raises(ValueError, match="fraction"):
        taste_chart("T", CompassMark("Sora", 1.2, 0.5), None, [])
    with pytest.raises(ValueError, match="up to"):
        taste_chart("T", ME, None, [ME] * (MAX_FAVOURITES + 1))


def test_labels_of_points_close_together_are_moved_apart():
    spots = label_spots([(0.5, 0.5), (0.51, 0.5), (0.52, 0.51)])
    heights = sorted(y for _, y in spots)
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(heights))
    assert label_spots([(0.1, 0.2)]) == [(pytest.approx(0.12), 0.2)]
    assert label_spots([(0.9, 0.2)])[0][0] == pytest.approx(0.88)  # left of a point at the edge


async def test_the_renderer_draws_it_off_the_loop():
    renderer = ChartRenderer()
    try:
        png = await renderer.render(lambda: taste_chart("T", ME, SERVER, FAVOURITES))
    finally:
        renderer.close()
    image_size(png)
