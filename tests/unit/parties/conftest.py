"""The watch-party service as the bot builds it, on a real SQLite file and a fake clock, and a
small world around it (timers and an outbox sending to a fake Discord). A test module supplies
its own `clock` fixture."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import Outbox
from bot.parties.drafts import DraftRepository
from bot.parties.repository import PartyRepository
from bot.parties.service import PartyService
from bot.storage.database import Database
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService
from tests.support.clock import FakeClock
from tests.support.fake_discord import FakeDiscord
from tests.unit.outbox.conftest import make_outbox


def build_party_service(
    db: Database, clock: FakeClock, timers: TimerService | None = None
) -> PartyService:
    outbox = OutboxRepository(db)
    return PartyService(
        db,
        PartyRepository(db),
        DraftRepository(db),
        timers or TimerService(TimerRepository(db, outbox), clock),
        outbox,
        GuildSettingsService(GuildSettingsRepository(db), clock),
        clock,
    )


@dataclass
class World:
    parties: PartyService
    timers: TimerService
    outbox: Outbox
    discord: FakeDiscord
    clock: FakeClock
    db: Database

    async def deliver(self) -> None:
        """Fire what is due, then send what is queued."""
        await self.timers.fire_due()
        await self.timers.settle()
        await self.outbox.drain()

    def set_time(self, moment: datetime) -> None:
        self.clock.advance((moment - self.clock.now()).total_seconds())

    async def at(self, moment: datetime) -> None:
        self.set_time(moment)
        await self.deliver()


@pytest.fixture
async def world(db: Database, clock: FakeClock) -> World:
    outbox_repository = OutboxRepository(db)
    discord = FakeDiscord(clock)
    timers = TimerService(TimerRepository(db, outbox_repository), clock)
    parties = build_party_service(db, clock, timers)
    parties.register_timers(timers)
    return World(
        parties, timers, make_outbox(outbox_repository, discord, clock), discord, clock, db
    )
