"""matplotlib, imported lazily into a writable config folder, and the fonts charts draw with.

Importing matplotlib costs about half a second, so nothing here imports it at module level:
`load_matplotlib` does, on first use (normally on the chart renderer's worker thread).

DejaVu Sans (matplotlib's bundled default) has no Hangul, kana or Han glyphs. `chart_fonts`
looks once for an installed CJK font (Noto Sans CJK, NanumGothic, Source Han Sans, ...). When
one is found it is named in `font.family` after DejaVu Sans, and matplotlib falls back to it
glyph by glyph; either way `ChartFonts.covers` says which characters can be drawn.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BASE_FAMILY = "DejaVu Sans"

# Installed CJK fonts, best first: those covering Hangul and kana alike come first.
CJK_FAMILIES = (
    "Noto Sans CJK KR",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK HK",
    "Source Han Sans K",
    "Source Han Sans KR",
    "Source Han Sans",
    "Source Han Sans JP",
    "Noto Serif CJK KR",
    "Noto Serif CJK JP",
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans KR",
    "Noto Sans JP",
    "Droid Sans Fallback",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "UnDotum",
    "Baekmuk Gulim",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "Hiragino Sans",
    "Yu Gothic",
    "Meiryo",
    "MS Gothic",
)
_HANGUL_PROBE = ord("한")
_KANA_PROBE = ord("あ")


def prepare_config_dir(config_dir: Path | None = None) -> None:
    """Point MPLCONFIGDIR at a writable folder, unless it is set or matplotlib is loaded.

    matplotlib keeps its font cache there; without a writable one it warns and rebuilds the
    cache on every start. The folder is `config_dir`, else a new private temporary folder.
    """
    if "MPLCONFIGDIR" in os.environ or "matplotlib" in sys.modules:
        return
    if config_dir is None:
        config_dir = Path(tempfile.mkdtemp(prefix="watchclub-matplotlib-"))
    else:
        config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["MPLCONFIGDIR"] = str(config_dir)


def load_matplotlib() -> None:
    """Import matplotlib (the Agg canvas, no pyplot) after preparing its config folder."""
    prepare_config_dir()
    import matplotlib.backends.backend_agg  # noqa: F401


@dataclass(frozen=True)
class CjkFont:
    family: str
    codepoints: frozenset[int]

    @property
    def hangul_and_kana(self) -> bool:
        return _HANGUL_PROBE in self.codepoints and _KANA_PROBE in self.codepoints


@dataclass(frozen=True)
class ChartFonts:
    """The families for `font.family`, and every character they can draw."""

    families: tuple[str, ...]
    codepoints: frozenset[int]

    @property
    def cjk_family(self) -> str | None:
        return self.families[1] if len(self.families) > 1 else None

    def covers(self, char: str) -> bool:
        return ord(char) in self.codepoints


def _codepoints(path: str) -> frozenset[int]:
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(path).get_charmap())


def find_cjk_font() -> CjkFont | None:
    """The best installed font with Hangul or kana, or None (matplotlib's font list)."""
    load_matplotlib()
    from matplotlib import font_manager

    paths: dict[str, str] = {}
    for entry in font_manager.fontManager.ttflist:
        paths.setdefault(entry.name, entry.fname)
    found: list[CjkFont] = []
    for family in CJK_FAMILIES:
        if family in paths:
            codepoints = _codepoints(paths[family])
            if _HANGUL_PROBE in codepoints or _KANA_PROBE in codepoints:
                found.append(CjkFont(family, codepoints))
    # Preference order, except that a font with both Hangul and kana beats one with either.
    found.sort(key=lambda font: not font.hangul_and_kana)
    return found[0] if found else None


@functools.cache
def chart_fonts() -> ChartFonts:
    """DejaVu Sans, then a CJK font if one is installed; looked up once per process."""
    load_matplotlib()
    from matplotlib import font_manager

    base = font_manager.findfont(font_manager.FontProperties(family=BASE_FAMILY))
    codepoints = _codepoints(base)
    cjk = find_cjk_font()
    if cjk is None:
        return ChartFonts((BASE_FAMILY,), codepoints)
    return ChartFonts((BASE_FAMILY, cjk.family), codepoints | cjk.codepoints)
