"""`/taste`'s service: gathers a member's ratings and watchlist, the server's aggregates and the
opted-in members' ratings, finds what each title is about, and draws the chart.

A title's content comes from the recommender's current pool (every alias it is known by), else
from the catalog before the first pool is built, else, for the member's own titles only, from
`TitleService.lookup` (cached data, or a provider within `LOOKUP_SECONDS`). A title none of
them knows is left out, not an error. The server's titles are never looked up one by one: the
pool holds the catalog and every cached title, and the rest are left out.

Who can see whose portrait: a member always sees their own. Another member's portrait (their
place on the compass, top genres and favourite titles, never a score) is shown only when that
member opted in to taste matching, which says so when they turn it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.charts.renderer import ChartRenderer
from bot.charts.taste import CompassMark, taste_chart
from bot.errors import UserFacingError
from bot.metadata.models import Title
from bot.metadata.service import TitleService
from bot.polls.cards import latin_name
from bot.recommend.portrait import Portrait, TitleContent, content_from_index, content_of, portrait
from bot.recommend.service import RecommendService
from bot.taste.models import Rating, TitleAggregate
from bot.taste.service import TasteService

__all__ = ["LOOKUP_MAX", "LOOKUP_SECONDS", "PortraitAnswer", "PortraitService"]

LOOKUP_SECONDS: Final = 3.0  # for the member's titles outside the pool, all together
# Titles looked up for one portrait (the cache, else a provider: AniList allows ~25 a minute for
# the whole bot, so one portrait must not take them all); the rest are left out.
LOOKUP_MAX: Final = 12


@dataclass(frozen=True)
class PortraitAnswer:
    portrait: Portrait
    own: bool  # the asker looked at themself
    opted_in: bool  # the portrayed member opted in to taste matching


class PortraitService:
    def __init__(
        self,
        taste: TasteService,
        recommend: RecommendService,
        titles: TitleService,
        charts: ChartRenderer,
    ) -> None:
        self._taste = taste
        self._recommend = recommend
        self._titles = titles
        self._charts = charts

    async def portrait(
        self, guild_id: int, member_id: int, *, asker_id: int, name: str
    ) -> PortraitAnswer:
        """The member's taste portrait in the server, for `asker_id` to read. `name` is how the
        member is called in a refusal."""
        own = member_id == asker_id
        opted_in = await self._taste.is_opted_in(guild_id, member_id)
        if not own and not opted_in:
            raise UserFacingError(
                f"{name} keeps their taste to themself. If they turn on taste matching with "
                "`/privacy taste-match enabled:True`, you can see it here."
            )
        ratings = await self._taste.ratings(guild_id, member_id)
        watchlist = [e.title.id for e in await self._taste.watchlist(guild_id, member_id)]
        aggregates = await self._recommend.server_aggregates(guild_id)  # cached, as for /recommend
        opted = await self._taste.opted_in_ratings(guild_id)
        own_ids = [*(r.title.id for r in ratings), *watchlist]
        missing = [title_id for title_id in own_ids if self._known(title_id) is None]
        looked_up = await self._look_up(missing)
        found = await asyncio.to_thread(
            self._compute, member_id, ratings, watchlist, aggregates, opted, looked_up
        )
        return PortraitAnswer(found, own=own, opted_in=opted_in)

    async def chart(self, portrait: Portrait, *, heading: str, member_label: str) -> bytes | None:
        """The compass chart as PNG bytes, drawn off the event loop; None when the member has
        no place on the compass yet."""
        if portrait.compass is None:
            return None
        member = CompassMark(member_label, *portrait.compass)
        server = (
            None
            if portrait.server is None
            else CompassMark("Rest of the server", *portrait.server.compass)
        )
        favourites = [CompassMark(f.chart_name, *f.compass) for f in portrait.favourites]
        return await self._charts.render(
            functools.partial(taste_chart, heading, member, server, favourites)
        )

    # -- titles' content ------------------------------------------------------------------------

    def _known(self, title_id: str) -> Title | None:
        return self._recommend.title(title_id)

    async def _look_up(self, title_ids: Sequence[str]) -> dict[str, Title]:
        """The titles outside the pool, from the title service; whatever does not answer in
        time, or at all, is left out."""
        if not title_ids:
            return {}
        tasks = {
            title_id: asyncio.ensure_future(self._titles.lookup(title_id))
            for title_id in list(dict.fromkeys(title_ids))[:LOOKUP_MAX]
        }
        await asyncio.wait(tasks.values(), timeout=LOOKUP_SECONDS)
        found: dict[str, Title] = {}
        for title_id, task in tasks.items():
            if not task.done():
                task.cancel()
                continue
            with contextlib.suppress(Exception):
                found[title_id] = task.result().title
        return found

    def _compute(
        self,
        member_id: int,
        ratings: Sequence[Rating],
        watchlist: Sequence[str],
        aggregates: Sequence[TitleAggregate],
        opted: Mapping[int, Sequence[Rating]],
        looked_up: Mapping[str, Title],
    ) -> Portrait:
        """Blocking (reads many titles' content): run it in a worker thread."""
        recommender = self._recommend.current
        contents: dict[str, TitleContent] = {}

        def canonical(title_id: str) -> str:
            if recommender is None:
                return title_id
            rows = recommender.pool.rows_of(title_id)
            return recommender.pool.titles[rows[0]].id if rows else title_id

        def content(title_id: str) -> TitleContent | None:
            if recommender is not None:
                rows = recommender.pool.rows_of(title_id)
                if rows:
                    title = recommender.pool.titles[rows[0]]
                    return content_from_index(
                        recommender.pool.content, rows[0], title, latin_name(title)
                    )
            other = self._known(title_id) or looked_up.get(title_id)
            return None if other is None else content_of(other, latin_name(other))

        wanted = [
            *(r.title.id for r in ratings),
            *watchlist,
            *(row.title.id for row in aggregates),
        ]
        for title_id in dict.fromkeys(wanted):
            found = content(title_id)
            if found is not None:
                contents[title_id] = found
        others = {
            other: _scores(their, canonical) for other, their in opted.items() if other != member_id
        }
        return portrait(member_id, ratings, watchlist, contents, aggregates, others, canonical)


def _scores(ratings: Sequence[Rating], canonical: Callable[[str], str]) -> dict[str, float]:
    return {canonical(r.title.id): float(r.score) for r in ratings}
