"""The watch-party service as the bot builds it, on a real SQLite file and a fake clock."""

from __future__ import annotations

from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.outbox.repository import OutboxRepository
from bot.parties.drafts import DraftRepository
from bot.parties.repository import PartyRepository
from bot.parties.service import PartyService
from bot.storage.database import Database
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService
from tests.support.clock import FakeClock


def build_party_service(db: Database, clock: FakeClock) -> PartyService:
    outbox = OutboxRepository(db)
    return PartyService(
        db,
        PartyRepository(db),
        DraftRepository(db),
        TimerService(TimerRepository(db, outbox), clock),
        outbox,
        GuildSettingsService(GuildSettingsRepository(db), clock),
        clock,
    )
