"""The poll services as the bot builds them, on a real SQLite file and a fake clock, with timers
and an outbox sending to a fake Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.charts.renderer import ChartRenderer
from bot.clock import to_unix
from bot.metadata.catalog import Catalog
from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import Outbox
from bot.polls.anonymity import VoterKey
from bot.polls.brackets import BracketService
from bot.polls.models import OptionSpec, Poll, PollKind, PollSpec, ResultsVisibility, TitleCard
from bot.polls.repository import PollRepository
from bot.polls.service import PollService
from bot.storage.database import Database
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService
from tests.support.clock import FakeClock
from tests.support.fake_discord import FakeDiscord, StoredMessage
from tests.unit.outbox.conftest import make_outbox

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 111, 222
CHANNEL = 900
CREATOR = 1
CLOY = TitleCard(
    "catalog:crash-landing-on-you",
    "Crash Landing on You",
    "kdrama",
    0.81,
    0.1,
    cover_url="https://img.example/cloy.jpg",
    hook="A paraglider lands in the North.",
)
FRIEREN = TitleCard(
    "anilist:154587",
    "Frieren: Beyond Journey's End",
    "anime",
    0.2,
    0.91,
    cover_url="https://img.example/frieren.jpg",
    hook="An elf outlives her party.",
)


@pytest.fixture(scope="session")
def charts() -> Iterator[ChartRenderer]:
    renderer = ChartRenderer()
    yield renderer
    renderer.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@dataclass
class PollWorld:
    polls: PollService
    brackets: BracketService
    timers: TimerService
    outbox: Outbox
    discord: FakeDiscord
    clock: FakeClock
    db: Database
    key_path: Path

    async def deliver(self) -> None:
        """Fire what is due, then send what is queued."""
        await self.timers.fire_due()
        await self.timers.settle()
        await self.outbox.drain()

    async def after(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.deliver()

    def message(self, content_part: str) -> StoredMessage:
        found = [m for m in self.discord.messages.values() if content_part in m.content]
        assert found, f"no message contains {content_part!r}"
        return found[-1]

    async def open(self, **changes: object) -> Poll:
        values: dict[str, object] = {
            "guild_id": GUILD,
            "channel_id": CHANNEL,
            "creator_id": CREATOR,
            "question": "which do we watch next?",
            "kind": PollKind.VERSUS,
            "options": (OptionSpec(CLOY.name, CLOY), OptionSpec(FRIEREN.name, FRIEREN)),
            "closes_at": to_unix(self.clock.now() + timedelta(hours=24)),
            "anonymous": True,
            "results": ResultsVisibility.LIVE,
        }
        values.update(changes)
        poll = await self.polls.open(PollSpec(**values))  # type: ignore[arg-type]
        await self.deliver()
        return poll


@pytest.fixture
async def world(
    db: Database, clock: FakeClock, charts: ChartRenderer, tmp_path: Path
) -> AsyncIterator[PollWorld]:
    outbox_repository = OutboxRepository(db)
    discord = FakeDiscord(clock)
    timers = TimerService(TimerRepository(db, outbox_repository), clock)
    key_path = tmp_path / "voter.key"
    repository = PollRepository(db)
    polls = PollService(
        db,
        repository,
        VoterKey.load_or_create(key_path),
        timers,
        outbox_repository,
        Catalog.bundled(),
        charts,
        clock,
    )
    brackets = BracketService(db, repository, polls, timers, charts, clock)
    polls.register_timers(timers)
    brackets.register_timers(timers)
    yield PollWorld(
        polls,
        brackets,
        timers,
        make_outbox(outbox_repository, discord, clock),
        discord,
        clock,
        db,
        key_path,
    )
    await polls.ballot_box.drain()
