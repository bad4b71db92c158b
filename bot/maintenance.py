"""Timer kind `maintenance`: the housekeeping a bot running for months needs, every 6 hours.

- The title cache drops entries past their keep date (TMDB allows 6 months at most).
- Finished timers and sent messages are forgotten after a week; dead timers and failed
  messages after 90 days, so an operator has time to see them in `watchclub timers`.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock, to_unix
from bot.metadata.service import TitleService
from bot.outbox.repository import OutboxRepository
from bot.timers.models import FiredTimer, TimerOutcome
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService

KIND = "maintenance"
KEY = "maintenance"
EVERY = timedelta(hours=6)
KEEP_FINISHED = timedelta(days=7)
KEEP_FAILED = timedelta(days=90)


class Maintenance:
    def __init__(
        self,
        titles: TitleService,
        timers: TimerRepository,
        outbox: OutboxRepository,
        clock: Clock,
    ) -> None:
        self._titles = titles
        self._timers = timers
        self._outbox = outbox
        self._clock = clock

    async def install(self, service: TimerService) -> None:
        service.register(KIND, self.run)
        await service.ensure(KIND, self._clock.now() + EVERY, {}, key=KEY)

    async def run(self, fired: FiredTimer) -> TimerOutcome:
        now = self._clock.now()
        await self._titles.purge()
        await self._timers.sweep(
            done_before=to_unix(now - KEEP_FINISHED), dead_before=to_unix(now - KEEP_FAILED)
        )
        await self._outbox.sweep(
            sent_before=to_unix(now - KEEP_FINISHED), failed_before=to_unix(now - KEEP_FAILED)
        )
        return TimerOutcome(repeat_at=now + EVERY)
