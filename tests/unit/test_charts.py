"""Charts: valid, deterministic PNGs of a sensible size; labels the fonts can draw; rendering off
the event loop, one chart at a time."""

from __future__ import annotations

import asyncio
import functools
import io
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from bot.charts import (
    Bar,
    ChartRenderer,
    TrendPoint,
    bracket_chart,
    chart_label,
    results_chart,
    rounds_chart,
    trend_chart,
)
from bot.charts import fonts as chart_font_module
from bot.charts.fonts import (
    CjkFont,
    chart_fonts,
    find_cjk_font,
    load_matplotlib,
    prepare_config_dir,
)
from bot.charts.labels import fit_to_fonts, placeholder_for, shorten

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def bars(count: int) -> list[Bar]:
    votes = [count - index for index in range(count)]
    total = sum(votes)
    return [
        Bar(f"Option {index + 1}", vote, vote / total, highlight=index == 0)
        for index, vote in enumerate(votes)
    ]


def full_bracket(entrants: int) -> list[list[tuple[str, str, str | None]]]:
    """Every match decided, the first-named entrant winning."""
    names = [f"Title {n}" for n in range(entrants)]
    rounds = []
    while len(names) > 1:
        matches = [(a, b, a) for a, b in zip(names[::2], names[1::2], strict=True)]
        rounds.append(matches)
        names = [winner for _, _, winner in matches]
    return rounds


def ranked_rounds(options: int) -> tuple[list[dict[str, int]], list[list[str]]]:
    """A runoff over `options` options, the last one eliminated each round."""
    standing = {f"Option {n}": options - n + 5 for n in range(options)}
    rounds, eliminated = [], []
    while len(standing) > 1:
        rounds.append(dict(standing))
        last = min(standing, key=standing.__getitem__)
        eliminated.append([last])
        loser_votes = standing.pop(last)
        leader = max(standing, key=standing.__getitem__)
        standing[leader] += loser_votes
    rounds.append(dict(standing))
    return rounds, eliminated


TREND = [
    TrendPoint(date(2025, 1, 6) + timedelta(weeks=n), 0.4 + 0.02 * n, 0.6 - 0.01 * n)
    for n in range(12)
]

CHARTS: dict[str, Callable[[], bytes]] = {
    "results": lambda: results_chart("Slow-burn or fantasy tonight?", bars(4)),
    "rounds": lambda: rounds_chart("Best OST", *ranked_rounds(4)),
    "bracket": lambda: bracket_chart("Best slow-burn of the season", full_bracket(8)),
    "trend": lambda: trend_chart("Our compass", TREND),
}


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a machine without fonts-noto-cjk or fonts-nanum."""
    monkeypatch.setattr(chart_font_module, "find_cjk_font", lambda: None)
    chart_fonts.cache_clear()
    yield
    chart_fonts.cache_clear()


# --- the charts -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_is_a_png_of_a_sensible_size(name: str):
    width, height = image_size(CHARTS[name]())
    assert 400 <= width <= 2400
    assert 200 <= height <= 1600


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_the_same_data_gives_the_same_bytes(name: str):
    assert CHARTS[name]() == CHARTS[name]()


def test_different_data_gives_a_different_chart():
    assert results_chart("Q", bars(3)) != results_chart("Q", bars(4))


def test_ten_options_render_and_grow_the_chart():
    width, height = image_size(results_chart("Ten options", bars(10)))
    assert width == 800
    assert height > image_size(results_chart("Two options", bars(2)))[1]


def test_a_results_chart_takes_one_to_ten_bars():
    with pytest.raises(ValueError, match="1 to 10"):
        results_chart("Too many", bars(11))
    with pytest.raises(ValueError, match="1 to 10"):
        results_chart("None", [])


def test_bad_shares_and_votes_are_refused():
    with pytest.raises(ValueError, match="fraction"):
        results_chart("Q", [Bar("Goblin", 3, 42.0)])
    with pytest.raises(ValueError, match="negative"):
        results_chart("Q", [Bar("Goblin", -1, 0.5)])
    with pytest.raises(ValueError, match="fraction"):
        trend_chart("Q", [TrendPoint(date(2025, 1, 1), 0.5, 1.5)])


def test_a_tie_total_line_and_long_labels_render():
    tie = [
        Bar("Crash Landing on You " * 5, 7, 0.5, highlight=True),
        Bar("Frieren: Beyond Journey's End", 7, 0.5, highlight=True),
    ]
    image_size(results_chart("A tie", tie, total_line="14 of 20 members voted"))


def test_dollar_signs_are_text_not_mathtext():
    # Unescaped, matplotlib would parse "$\frac{1}{$" as mathtext and fail.
    png = results_chart(r"Budget $\frac{1}{$ night", [Bar(r"$5 \frac{ vs $10", 1, 1.0)])
    image_size(png)


def test_a_ten_option_runoff_renders_every_round():
    rounds, eliminated = ranked_rounds(10)
    assert len(rounds) == 10
    width, _ = image_size(rounds_chart("Ranked", rounds, eliminated))
    assert width > image_size(rounds_chart("Ranked", *ranked_rounds(3)))[0]


def test_a_runoff_decided_in_one_round_and_bad_rounds():
    image_size(rounds_chart("Landslide", [{"Goblin": 9, "Toradora!": 2}], []))
    with pytest.raises(ValueError, match="at least one round"):
        rounds_chart("Q", [], [])
    with pytest.raises(ValueError, match="more lists"):
        rounds_chart("Q", [{"A": 1}], [["A"], ["B"]])


@pytest.mark.parametrize("entrants", [4, 8, 16])
def test_brackets_of_4_8_and_16_render(entrants: int):
    width, height = image_size(bracket_chart(f"{entrants} titles", full_bracket(entrants)))
    assert width >= 600
    assert height >= 300


def test_a_16_entrant_bracket_is_taller_than_a_4_entrant_one():
    assert (
        image_size(bracket_chart("16", full_bracket(16)))[1]
        > image_size(bracket_chart("4", full_bracket(4)))[1]
    )


def test_a_bracket_in_progress_renders_and_differs_from_the_finished_one():
    finished = full_bracket(8)
    running = [finished[0], [(a, b, None) for a, b, _ in finished[1]]]
    assert image_size(bracket_chart("Running", running))
    assert bracket_chart("B", running) != bracket_chart("B", finished)


@pytest.mark.parametrize(
    ("rounds", "message"),
    [
        ([], "4, 8 or 16"),
        ([[("A", "B", None)] * 3], "4, 8 or 16"),
        ([[("A", "B", "A")] * 2, [("A", "C", None)] * 2], "must have 1 matches"),
        ([[("A", "B", "C"), ("D", "E", None)]], "not in the match"),
        ([[("A", "B", "A")] * 2, [("A", "C", "A")], [("A", "X", "A")]], "has 2 rounds"),
    ],
)
def test_a_malformed_bracket_is_refused(rounds: list, message: str):
    with pytest.raises(ValueError, match=message):
        bracket_chart("Bad", rounds)


def test_a_trend_with_no_points_or_one_point_renders():
    assert image_size(trend_chart("Nothing yet", [])) == (800, 400)
    assert image_size(trend_chart("One", [TrendPoint(date(2025, 3, 1), 1.0, 0.0)])) == (800, 400)


def test_trend_points_are_drawn_in_date_order():
    assert trend_chart("T", list(reversed(TREND))) == trend_chart("T", TREND)


# --- labels -----------------------------------------------------------------------------------


def test_chart_label_prefers_the_latin_name():
    assert chart_label("Crash Landing on You", "사랑의 불시착") == "Crash Landing on You"
    assert chart_label(None, "사랑의 불시착") == "사랑의 불시착"
    assert chart_label("   ", "君の名は。") == "君の名は。"
    assert chart_label("  Your   Name ", None) == "Your Name"
    assert chart_label(None, None) == "(untitled)"
    assert chart_label("", " ") == "(untitled)"


def latin_only(char: str) -> bool:
    return ord(char) < 0x2000


@pytest.mark.parametrize(
    ("text", "fitted"),
    [
        ("Goblin", "Goblin"),
        ("사랑의 불시착", "(title in Korean)"),
        ("君の名は。", "(title in Japanese)"),  # kana among Han characters: Japanese
        ("進撃の巨人", "(title in Japanese)"),
        ("呪術廻戦", "(title in Chinese characters)"),
        ("Love 사랑 2024", "Love … 2024"),
        ("사랑 사랑 Love", "… Love"),
        ("Fire \U0001f525", "Fire"),  # a missing emoji is dropped
        ("\U0001f525", "(title not shown)"),
    ],
)
def test_what_the_fonts_cannot_draw_is_replaced(text: str, fitted: str):
    assert fit_to_fonts(text, latin_only) == fitted


def test_with_a_cjk_font_native_names_are_kept():
    assert fit_to_fonts("사랑의 불시착", lambda char: True) == "사랑의 불시착"


def test_placeholders_name_the_language_and_noun():
    assert placeholder_for("한국 드라마", "text") == "(text in Korean)"


def test_shorten_ends_in_an_ellipsis():
    assert shorten("Frieren: Beyond Journey's End", 10) == "Frieren:…"
    assert shorten("Goblin", 6) == "Goblin"
    assert len(shorten("x" * 100, 36)) == 36


# --- fonts ------------------------------------------------------------------------------------


def test_without_a_cjk_font_a_hangul_only_name_becomes_a_placeholder(no_cjk_font: None):
    assert chart_fonts().families == ("DejaVu Sans",)
    assert not chart_fonts().covers("한")
    hangul = [Bar(chart_label(None, "사랑의 불시착"), 3, 1.0, highlight=True)]
    placeholder = [Bar("(title in Korean)", 3, 1.0, highlight=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        drawn = results_chart("한국 드라마", hangul)
    assert drawn == results_chart("(text in Korean)", placeholder)


def test_without_a_cjk_font_the_latin_name_is_drawn(no_cjk_font: None):
    latin = chart_label("Crash Landing on You", "사랑의 불시착")
    drawn = results_chart("Q", [Bar(latin, 1, 1.0)])
    assert drawn == results_chart("Q", [Bar("Crash Landing on You", 1, 1.0)])
    assert drawn != results_chart("Q", [Bar("(title in Korean)", 1, 1.0)])


def test_a_found_cjk_font_is_named_after_dejavu_sans(monkeypatch: pytest.MonkeyPatch):
    hangul = frozenset(range(0xAC00, 0xD7A4))
    monkeypatch.setattr(chart_font_module, "find_cjk_font", lambda: CjkFont("NanumGothic", hangul))
    chart_fonts.cache_clear()
    try:
        fonts = chart_fonts()
        assert fonts.families == ("DejaVu Sans", "NanumGothic")
        assert fonts.cjk_family == "NanumGothic"
        assert fonts.covers("한")
        assert fonts.covers("A")
        assert not fonts.covers("あ")
    finally:
        chart_fonts.cache_clear()


def test_find_cjk_font_prefers_a_font_with_hangul_and_kana(monkeypatch: pytest.MonkeyPatch):
    from matplotlib import font_manager

    entries = [
        SimpleNamespace(name="DejaVu Sans", fname="dejavu"),
        SimpleNamespace(name="NanumGothic", fname="nanum"),
        SimpleNamespace(name="IPAGothic", fname="ipa"),
        SimpleNamespace(name="Noto Sans CJK JP", fname="noto"),
        SimpleNamespace(name="NanumGothic Fake", fname="fake"),
    ]
    codepoints = {
        "dejavu": frozenset({ord("A")}),
        "nanum": frozenset({ord("한")}),
        "ipa": frozenset({ord("あ")}),
        "noto": frozenset({ord("한"), ord("あ")}),
        "fake": frozenset({ord("한")}),
    }
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    monkeypatch.setattr(chart_font_module, "_codepoints", codepoints.__getitem__)
    found = find_cjk_font()
    assert found is not None
    assert found.family == "Noto Sans CJK JP"

    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries[:3])
    found = find_cjk_font()
    assert found is not None
    assert found.family == "NanumGothic"  # first in preference among single-script fonts


def test_a_font_named_like_a_cjk_font_without_its_glyphs_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
):
    from matplotlib import font_manager

    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    impostor = SimpleNamespace(name="NanumGothic", fname=dejavu)
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [impostor])
    assert find_cjk_font() is None


def test_with_a_real_cjk_font_installed_hangul_is_drawn():
    chart_fonts.cache_clear()
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk or fonts-nanum)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = results_chart("Q", [Bar("사랑의 불시착", 1, 1.0)])
    assert drawn != results_chart("Q", [Bar("(title in Korean)", 1, 1.0)])


def test_the_config_folder_is_set_only_before_matplotlib_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    load_matplotlib()
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    prepare_config_dir(tmp_path / "too-late")  # matplotlib is already loaded in this process
    assert "MPLCONFIGDIR" not in os.environ

    monkeypatch.delitem(sys.modules, "matplotlib")
    prepare_config_dir(tmp_path / "mpl")
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "mpl")
    assert (tmp_path / "mpl").is_dir()

    prepare_config_dir(tmp_path / "other")  # already set: left alone
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "mpl")


def test_without_a_folder_a_private_temporary_one_is_made(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.delitem(sys.modules, "matplotlib")
    prepare_config_dir()
    folder = Path(os.environ["MPLCONFIGDIR"])
    assert folder.is_dir()
    assert folder.name.startswith("watchclub-matplotlib-")
    assert folder.stat().st_mode & 0o077 == 0
    folder.rmdir()


# --- the renderer -----------------------------------------------------------------------------


async def test_the_renderer_draws_off_the_event_loop_thread():
    loop_thread = threading.get_ident()
    renderer = ChartRenderer()
    try:
        threads = [await renderer.render(lambda: str(threading.get_ident()).encode())]
        threads.append(await renderer.render(lambda: str(threading.get_ident()).encode()))
    finally:
        renderer.close()
    assert int(threads[0]) != loop_thread
    assert threads[0] == threads[1]  # one worker thread for every chart


async def test_the_renderer_draws_one_chart_at_a_time():
    lock = threading.Lock()
    running = 0
    most = 0

    def draw() -> bytes:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return b"png"

    renderer = ChartRenderer()
    try:
        results = await asyncio.gather(*(renderer.render(draw) for _ in range(6)))
    finally:
        renderer.close()
    assert results == [b"png"] * 6
    assert most == 1


async def test_the_renderer_keeps_the_loop_free_while_it_draws():
    renderer = ChartRenderer()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    try:
        await renderer.render(lambda: time.sleep(0.1) or b"")
    finally:
        ticker.cancel()
        renderer.close()
    assert ticks >= 5


async def test_the_renderer_returns_a_real_chart_and_refuses_after_close():
    renderer = ChartRenderer()
    await renderer.warm_up()
    png = await renderer.render(functools.partial(results_chart, "Tonight?", bars(3)))
    assert png == results_chart("Tonight?", bars(3))
    renderer.close()
    with pytest.raises(RuntimeError, match="closed"):
        await renderer.render(lambda: b"")


async def test_an_error_in_a_drawing_reaches_the_caller():
    renderer = ChartRenderer()
    try:
        with pytest.raises(ValueError, match="1 to 10"):
            await renderer.render(functools.partial(results_chart, "Q", bars(11)))
        assert image_size(await renderer.render(CHARTS["trend"]))
    finally:
        renderer.close()
