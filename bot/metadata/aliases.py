"""What fans type that no string metric can find: abbreviations and other romanisations.

"aot" and "Attack on Titan" share no letters a typo metric would pair, and a K-drama cached
from TVmaze or TMDB has only its English name, so "sarangui bulsichak" finds nothing. This
table maps such names to the name the title goes by in English. Only names that fans really
use and that mean one title (or one franchise) are listed: "fma" is both Fullmetal Alchemist
series, so it maps to the name they share and finds both.

Aliases are compared folded and without spaces, so "Reply 88", "reply88" and "REPLY-88" are one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from bot.metadata.folding import fold
from bot.metadata.models import Medium

# The name an anime goes by in English -> what fans also type for it.
ANIME_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    # Anime: fan abbreviations.
    "Attack on Titan": ("aot", "snk", "shingeki", "shingeki no kyojin", "shingeki no kyoujin"),
    "Jujutsu Kaisen": ("jjk",),
    "Demon Slayer: Kimetsu no Yaiba": ("kny", "kimetsu", "kimetsu no yaiba"),
    "My Hero Academia": ("mha", "bnha", "boku no hero", "boku no hero academia"),
    "Fullmetal Alchemist: Brotherhood": ("fmab", "fma brotherhood"),
    "Fullmetal Alchemist": ("fma", "hagane no renkinjutsushi"),
    "Hunter x Hunter": ("hxh",),
    "One-Punch Man": ("opm",),
    "Sword Art Online": ("sao",),
    "Neon Genesis Evangelion": ("nge", "shin seiki evangelion"),
    "Chainsaw Man": ("csm",),
    "No Game No Life": ("ngnl",),
    "The Promised Neverland": ("tpn", "yakusoku no neverland"),
    "Spy x Family": ("spy family", "spy x fam"),
    "Kaguya-sama: Love Is War": ("kaguya sama", "kaguya sama wa kokurasetai"),
    "Frieren: Beyond Journey's End": ("sousou no frieren", "soso no frieren"),
    "That Time I Got Reincarnated as a Slime": ("tensura", "tensei shitara slime datta ken"),
    "KonoSuba: God's Blessing on This Wonderful World!": ("konosuba",),
    "My Teen Romantic Comedy SNAFU": ("oregairu",),
    "Is It Wrong to Try to Pick Up Girls in a Dungeon?": ("danmachi",),
    "Rascal Does Not Dream of Bunny Girl Senpai": ("aobuta",),
    "Puella Magi Madoka Magica": ("madoka magica", "madomagi"),
    "Fruits Basket": ("furuba",),
    "Your Lie in April": ("shigatsu wa kimi no uso", "kimiuso"),
    "Mob Psycho 100": ("mp100",),
    # Anime: Japanese titles, which a provider that speaks only English does not know.
    "Spirited Away": ("sen to chihiro", "sen to chihiro no kamikakushi"),
    "Your Name.": ("kimi no na wa",),
    "My Neighbor Totoro": ("tonari no totoro",),
    "Howl's Moving Castle": ("howl no ugoku shiro",),
    "Princess Mononoke": ("mononoke hime",),
    "Kiki's Delivery Service": ("majo no takkyuubin", "majo no takkyubin"),
    "A Silent Voice": ("koe no katachi",),
    "Weathering with You": ("tenki no ko",),
    "Erased": ("boku dake ga inai machi",),
    "Delicious in Dungeon": ("dungeon meshi",),
    "The Apothecary Diaries": ("kusuriya no hitorigoto",),
    "Solo Leveling": ("ore dake level up na ken",),
    "Laid-Back Camp": ("yuru camp",),
    "Natsume's Book of Friends": ("natsume yuujinchou", "natsume yujincho"),
    "The Ancient Magus' Bride": ("mahoutsukai no yome", "mahotsukai no yome"),
}

# K-dramas, likewise.
KDRAMA_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    # K-dramas: fan abbreviations and nicknames.
    "Crash Landing on You": ("cloy", "sarangui bulsichak", "sarangeui bulsichak"),
    "Descendants of the Sun": ("dots", "taeyangui huye", "taeyangeui huye"),
    "Guardian: The Lonely and Great God": ("goblin", "dokkaebi"),
    "Reply 1988": ("reply 88", "answer me 88", "eungdaphara 1988"),
    "Reply 1994": ("reply 94", "answer me 94"),
    "Reply 1997": ("reply 97", "answer me 97"),
    "What's Wrong with Secretary Kim": ("wwwsk",),
    "Strong Woman Do Bong-soon": ("swdbs",),
    "My Love from the Star": ("mlfts", "byeoreseo on geudae"),
    "It's Okay to Not Be Okay": ("iotnbo",),
    "The King: Eternal Monarch": ("tkem",),
    "Hotel del Luna": ("hdl",),
    "Extraordinary Attorney Woo": ("eaw", "woo young woo"),
    "Boys Over Flowers": ("bof", "kkotboda namja"),
    "All of Us Are Dead": ("aouad",),
    "Twenty-Five Twenty-One": ("2521",),
    # K-dramas: Korean titles, romanised as fans and Korean sites write them.
    "Lovely Runner": ("seonjae eopgo twieo",),
    "Queen of Tears": ("nunmurui yeowang",),
    "My Mister": ("naui ajeossi", "my ahjussi"),
    "Our Beloved Summer": ("geu hae urineun",),
    "Squid Game": ("ojingeo geim",),
    "Alchemy of Souls": ("hwanhon",),
    "Tale of the Nine-Tailed": ("gumihodyeon",),
    "Jewel in the Palace": ("dae jang geum",),
    "Stranger": ("secret forest",),
}


def alias_key(typed: str) -> str:
    """The form aliases are compared in: folded, without spaces ("Reply 88" -> "reply88")."""
    return fold(typed).replace(" ", "")


def invert(table: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """alias key -> canonical name; an alias claimed by two titles is a mistake in the table."""
    by_alias: dict[str, str] = {}
    for canonical, aliases in table.items():
        for alias in aliases:
            key = alias_key(alias)
            claimed = by_alias.setdefault(key, canonical)
            if claimed != canonical:
                raise ValueError(f"alias {alias!r} names both {claimed!r} and {canonical!r}")
    return by_alias


CANONICAL_ALIASES: Final[Mapping[str, tuple[str, ...]]] = {**ANIME_ALIASES, **KDRAMA_ALIASES}
_BY_ALIAS: Final = invert(CANONICAL_ALIASES)
_KDRAMA_NAMES: Final = frozenset(KDRAMA_ALIASES)


def expand_alias(typed: str) -> str | None:
    """The canonical name for a fan alias ("aot" -> "Attack on Titan"), else None.

    Use it before asking a provider: "Attack on Titan" finds the show, "aot" does not.
    """
    return _BY_ALIAS.get(alias_key(typed))


def alias_medium(typed: str) -> Medium | None:
    """Whether a fan alias names an anime or a K-drama; None when `typed` is no alias.

    "goblin" is the K-drama Guardian, so only the K-drama providers are asked for it by that
    name: an anime search for "goblin" must still find Goblin Slayer.
    """
    canonical = expand_alias(typed)
    if canonical is None:
        return None
    return Medium.KDRAMA if canonical in _KDRAMA_NAMES else Medium.ANIME
