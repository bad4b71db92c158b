"""What a chart may write: Latin names first, and never a name the fonts cannot draw.

Pure functions, no matplotlib. matplotlib's default font (DejaVu Sans) has no Hangul, kana or
Han glyphs, so a name written only in them would render as empty boxes. `chart_label` picks the
Latin name when there is one; `fit_to_fonts` is applied at drawing time, when it is known which
glyphs the installed fonts cover, and replaces what they cannot draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELLIPSIS = "…"
UNTITLED = "(untitled)"

# (first, last, script) for the scripts of Korean, Japanese and Chinese text.
_CJK_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x1100, 0x11FF, "hangul"),  # Hangul Jamo
    (0x3130, 0x318F, "hangul"),  # Hangul Compatibility Jamo
    (0xA960, 0xA97F, "hangul"),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7AF, "hangul"),  # Hangul Syllables
    (0xD7B0, 0xD7FF, "hangul"),  # Hangul Jamo Extended-B
    (0xFFA0, 0xFFDC, "hangul"),  # half-width Hangul
    (0x3040, 0x309F, "kana"),  # Hiragana
    (0x30A0, 0x30FF, "kana"),  # Katakana
    (0x31F0, 0x31FF, "kana"),  # Katakana Phonetic Extensions
    (0xFF66, 0xFF9F, "kana"),  # half-width Katakana
    (0x2E80, 0x2FDF, "han"),  # CJK radicals
    (0x3000, 0x303F, "han"),  # CJK symbols and punctuation (「」、。)
    (0x3400, 0x4DBF, "han"),  # CJK Extension A
    (0x4E00, 0x9FFF, "han"),  # CJK Unified Ideographs
    (0xF900, 0xFAFF, "han"),  # CJK Compatibility Ideographs
    (0xFF00, 0xFF65, "han"),  # full-width forms
    (0x20000, 0x3134F, "han"),  # CJK Extensions B to G
)

_LANGUAGE_OF_SCRIPT = {"kana": "Japanese", "hangul": "Korean", "han": "Chinese characters"}
_RUNS_OF_ELLIPSES = re.compile(rf"{ELLIPSIS}(?:\s*{ELLIPSIS})+")


def cjk_script(char: str) -> str | None:
    """The script of a CJK character: "hangul", "kana" or "han"; else None."""
    code = ord(char)
    for first, last, script in _CJK_RANGES:
        if first <= code <= last:
            return script
    return None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def chart_label(latin: str | None, native: str | None) -> str:
    """The name to write on a chart: the Latin name when there is one, else the native name.

    Whitespace is collapsed. A native name the installed fonts cannot draw is replaced when the
    chart is drawn (see `fit_to_fonts`), so a Hangul- or kana-only name never renders as boxes.
    """
    return _clean(latin) or _clean(native) or UNTITLED


def placeholder_for(text: str, noun: str = "title") -> str:
    """A placeholder naming the language: "(title in Korean)", "(title in Japanese)", ...

    Kana marks Japanese even among Han characters; Hangul marks Korean.
    """
    scripts = {cjk_script(char) for char in text}
    for script in ("kana", "hangul", "han"):
        if script in scripts:
            return f"({noun} in {_LANGUAGE_OF_SCRIPT[script]})"
    return f"({noun} not shown)"


def fit_to_fonts(text: str, covers: Callable[[str], bool], noun: str = "title") -> str:
    """`text` with what the fonts cannot draw taken out.

    A run of CJK characters the fonts lack becomes "…"; another missing character (an emoji, say)
    is dropped. When nothing readable is left, a placeholder names the language instead.
    """
    if all(char.isspace() or covers(char) for char in text):
        return text
    kept: list[str] = []
    for char in text:
        if char.isspace() or covers(char):
            kept.append(char)
        elif cjk_script(char) is not None:
            kept.append(ELLIPSIS)
    fitted = _RUNS_OF_ELLIPSES.sub(ELLIPSIS, _clean("".join(kept)))
    if not any(char.isalnum() for char in fitted):
        return placeholder_for(text, noun)
    return fitted


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending in "…" when it was cut."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS
