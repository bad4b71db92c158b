"""The one form every name and every typed query is compared in."""

from __future__ import annotations

import re
import unicodedata

_ASCII_PUNCTUATION = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """The form names are matched in: "Kaguya-sama: Love Is War" -> "kaguya sama love is war".

    Latin letters lose their accents ("Nausicaä" -> "nausicaa"). Kana and Hangul keep their
    voicing marks, since those change the word. Anything that is not a letter or a digit becomes
    a space.
    """
    if text.isascii():
        # Most names are plain ASCII: the same result without a Unicode pass per character.
        return _ASCII_PUNCTUATION.sub(" ", text.lower()).strip()
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base.isascii():
            char = base
        for folded in char.casefold():
            out.append(folded if folded.isalnum() else " ")
    return " ".join("".join(out).split())
