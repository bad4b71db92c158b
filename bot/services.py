"""The domain services the cogs share, built once from settings and resources.

Cogs reach the domain only through `Services` (`bot.services` on the Bot): a new feature adds
its field here and builds it in `build_services`, nothing else outside its own files.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot import maintenance, scheduled_messages
from bot.about.service import AboutService
from bot.clock import to_unix
from bot.command_access.cache import CommandAccessCache
from bot.config import Settings
from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.members.repository import MemberSettingsRepository
from bot.members.service import MemberSettingsService
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.metadata.registry import build_providers
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import TitleService
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import Transport
from bot.outbox.worker import DISCORD_SEND_WINDOWS, Outbox
from bot.parties.drafts import DraftRepository
from bot.parties.follow_repository import FollowRepository
from bot.parties.follows import FollowService
from bot.parties.repository import PartyRepository
from bot.parties.service import PartyService
from bot.polls.brackets import BracketService
from bot.polls.repository import PollRepository
from bot.polls.service import PollService
from bot.rate_limit import RateLimiter
from bot.recommend.portrait_service import PortraitService
from bot.recommend.service import RecommendService
from bot.recommend.signals_repository import SignalsRepository
from bot.resources import Resources
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService

SHUTDOWN_GRACE = 5.0  # seconds for running timers, then for the outbox, at shutdown


@dataclass(frozen=True)
class Services:
    about: AboutService
    guild_settings: GuildSettingsService
    member_settings: MemberSettingsService
    titles: TitleService
    parties: PartyService
    follows: FollowService
    polls: PollService
    brackets: BracketService
    taste: TasteService
    recommend: RecommendService
    portraits: PortraitService
    timers: TimerService
    outbox: Outbox
    maintenance: maintenance.Maintenance
    command_access: CommandAccessCache

    async def start(self) -> None:
        """Ready the domain: title index, timer handlers. Nothing is sent yet."""
        await self.titles.start()
        self.timers.register(scheduled_messages.KIND, scheduled_messages.send_scheduled_message)
        self.parties.register_timers(self.timers)
        self.follows.register_timers(self.timers)
        self.polls.register_timers(self.timers)
        self.polls.start()
        self.brackets.register_timers(self.timers)
        await self.maintenance.install(self.timers)
        await self.recommend.start()

    async def start_delivery(self) -> None:
        """Start firing timers and sending messages: after every handler is registered."""
        self.outbox.start()
        await self.timers.start()

    async def stop(self, *, grace: float = SHUTDOWN_GRACE) -> None:
        """Write the votes handed in, stop the timers (running ones get `grace`), then send
        what is queued (`grace`)."""
        await self.polls.stop()
        await self.timers.stop(grace=grace)
        await self.outbox.stop(grace=grace)


def build_services(settings: Settings, resources: Resources, transport: Transport) -> Services:
    db, clock = resources.db, resources.clock
    guild_settings = GuildSettingsRepository(db)
    catalog = Catalog.bundled()
    title_cache = TitleCacheRepository(db)
    titles = TitleService(
        title_cache,
        catalog,
        build_providers(settings, resources.providers, clock),
        clock,
        resources.tasks,
    )
    outbox_repository = OutboxRepository(db)
    outbox = Outbox(
        outbox_repository,
        transport,
        clock,
        RateLimiter(DISCORD_SEND_WINDOWS, clock, asyncio.sleep),
    )
    timer_repository = TimerRepository(db, outbox_repository)
    timers = TimerService(timer_repository, clock, on_messages_queued=outbox.notify)
    guild_settings_service = GuildSettingsService(guild_settings, clock)
    parties = PartyService(
        db,
        PartyRepository(db),
        DraftRepository(db),
        timers,
        outbox_repository,
        guild_settings_service,
        clock,
        on_queued=outbox.notify,
    )
    poll_repository = PollRepository(db)
    polls = PollService(
        db,
        poll_repository,
        resources.voter_key,
        timers,
        outbox_repository,
        catalog,
        resources.charts,
        clock,
        on_queued=outbox.notify,
    )
    brackets = BracketService(
        db, poll_repository, polls, timers, resources.charts, clock, on_queued=outbox.notify
    )
    taste = TasteService(TasteRepository(db), clock, voter_key=resources.voter_key)

    async def cached_titles() -> list[Title]:
        return await title_cache.all_titles(now=to_unix(clock.now()))

    recommend = RecommendService(
        taste,
        tuple(catalog),
        cached_titles,
        clock,
        resources.tasks,
        activity=SignalsRepository(db),
        edges=titles,
    )
    return Services(
        about=AboutService(db, outbox_repository, clock, tmdb_configured=settings.tmdb_configured),
        guild_settings=guild_settings_service,
        member_settings=MemberSettingsService(MemberSettingsRepository(db), guild_settings, clock),
        titles=titles,
        parties=parties,
        follows=FollowService(
            db,
            FollowRepository(db),
            parties,
            titles,
            timers,
            outbox_repository,
            clock,
            on_queued=outbox.notify,
        ),
        polls=polls,
        brackets=brackets,
        taste=taste,
        recommend=recommend,
        portraits=PortraitService(taste, recommend, titles, resources.charts),
        timers=timers,
        outbox=outbox,
        maintenance=maintenance.Maintenance(titles, timer_repository, outbox_repository, clock),
        command_access=CommandAccessCache(clock),
    )
