"""The one line under each pick: what actually drove its score, in words.

The reason follows the pick's largest component (`Pick.ranked_signals`); when that component
has nothing nameable (a kNN score with no rated title to name), the next one speaks. Title
names are escaped for a message (a name cannot restyle the line or ping anyone) and cut.
"""

from __future__ import annotations

from typing import Final

from bot.message_text import shown_within
from bot.metadata.models import Medium
from bot.recommend.ranking import (
    Anchor,
    Crossover,
    Leaning,
    Mood,
    Pick,
    ServerEvidence,
    ServerKind,
    Signal,
)

__all__ = ["crossover_mark", "reason"]

_NAME_ROOM: Final = 60
_FALLBACK: Final = "a good fit for this server"


def _name(anchor: Anchor) -> str:
    return f"*{shown_within(anchor.name, _NAME_ROOM)}*"


def _score(value: float) -> str:
    return f"{value:g}"


def _liking(shared: tuple[str, ...]) -> str:
    """("Fantasy", "Romance") -> "fantasy romance"; names of several words are joined with
    "and", so they stay apart: "drama and primarily adult cast"."""
    names = [shown_within(name, 30).casefold() for name in shared]
    if any(" " in name for name in names):
        return " and ".join(names)
    return " ".join(names)


def _knn(pick: Pick) -> str | None:
    anchor = pick.anchor
    if anchor is None:
        return None
    if anchor.score is not None:
        line = f"because you rated {_name(anchor)} {_score(anchor.score)}"
    elif anchor.leaning is Leaning.PARTY:
        line = f"because you went to the watch party of {_name(anchor)}"
    elif anchor.leaning is Leaning.VOTE:
        line = f"because you voted for {_name(anchor)}"
    else:
        line = f"because you asked for something like {_name(anchor)}"
    if pick.shared:
        line += f" and like {_liking(pick.shared)}"
    return line


def _content(pick: Pick) -> str | None:
    if pick.shared:
        line = f"because you like {_liking(pick.shared)}"
        if pick.similar_to is not None and pick.similar_to.score is not None:
            line += f", like {_name(pick.similar_to)}"
        return line
    similar_to = pick.similar_to
    if similar_to is None:
        return None
    if similar_to.score is not None:
        return f"close to {_name(similar_to)}, which you rated {_score(similar_to.score)}"
    if similar_to.leaning is Leaning.PARTY:
        return f"close to {_name(similar_to)}, whose watch party you went to"
    if similar_to.leaning is Leaning.VOTE:
        return f"close to {_name(similar_to)}, which you voted for"
    return f"close to {_name(similar_to)}, which you asked for"


def _mood(pick: Pick) -> str | None:
    slow_burn, fantasy = pick.compass
    if pick.mood is Mood.SLOW_BURN:
        return f"a slow-burn pick, as you asked (slow-burn {slow_burn:.2f})"
    if pick.mood is Mood.FANTASY:
        return f"a fantasy pick, as you asked (fantasy {fantasy:.2f})"
    if pick.mood is Mood.BOTH:
        return f"slow-burn and fantasy at once ({slow_burn:.2f} and {fantasy:.2f})"
    if pick.mood is Mood.BALANCED:
        return f"balanced between slow-burn and fantasy ({slow_burn:.2f} and {fantasy:.2f})"
    return None


def _members(count: int) -> str:
    return "1 member here" if count == 1 else f"{count} members here"


def _server(evidence: ServerEvidence | None) -> str | None:
    if evidence is None or evidence.count < 1:
        return None
    count = evidence.count
    if evidence.kind is ServerKind.RATINGS:
        return f"{_members(count)} rated it highly"
    if evidence.kind is ServerKind.WATCHLISTS:
        verb = "has" if count == 1 else "have"
        return f"{_members(count)} {verb} it on their watchlist"
    if evidence.kind is ServerKind.POLL_WINS:
        return "it won a poll here" if count == 1 else f"it won {count} polls here"
    return (
        "watched together at a party here"
        if count == 1
        else f"watched together at {count} parties here"
    )


def _popularity(pick: Pick) -> str:
    medium = pick.title.medium
    if medium is Medium.ANIME:
        return "popular with anime fans"
    if medium is Medium.KDRAMA:
        return "popular with K-drama fans"
    return "widely watched"


def _edges(pick: Pick, *, for_server: bool) -> str | None:
    anchor = pick.edge_anchor
    if anchor is None:
        return None
    if for_server and anchor.score is not None:
        # A rated seed of a public answer may be one member's rating: not named.
        return "AniList fans of what this server rates highly recommend it"
    return f"AniList fans of {_name(anchor)} recommend it"


def _server_knn(pick: Pick) -> str:
    return "loved by the fans of what this server rates highly"


def _server_content(pick: Pick) -> str | None:
    if pick.shared:
        return f"more of the {_liking(pick.shared)} this server rates highly"
    return None


def reason(pick: Pick, *, for_server: bool = False) -> str:
    """One line built from the pick's strongest component, e.g. "because you rated *Goblin* 9
    and like fantasy romance", "3 members here have it on their watchlist" or "AniList fans
    of *Frieren* recommend it".

    `for_server`: the answer is posted for everyone, and its "taste" is the server's ratings,
    which may be one member's. So it never names a rated title, a score, or "you"; only the
    `like` title asked for in the open may be named."""
    for signal in pick.ranked_signals:
        if signal is Signal.KNN:
            line = _server_knn(pick) if for_server else _knn(pick)
        elif signal is Signal.CONTENT:
            line = _server_content(pick) if for_server else _content(pick)
        elif signal is Signal.MOOD:
            line = _mood(pick)
        elif signal is Signal.SERVER:
            line = _server(pick.server)
        elif signal is Signal.EDGES:
            line = _edges(pick, for_server=for_server)
        else:
            line = _popularity(pick)
        if line:
            return line
    return _FALLBACK


def crossover_mark(pick: Pick) -> str | None:
    """A short mark for a pick from the other side: a K-drama for an anime fan, or the reverse."""
    if pick.crossover is Crossover.KDRAMA_FOR_ANIME_FAN:
        return "crossover: a K-drama for an anime fan"
    if pick.crossover is Crossover.ANIME_FOR_KDRAMA_FAN:
        return "crossover: an anime for a K-drama fan"
    return None
