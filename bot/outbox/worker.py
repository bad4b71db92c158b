"""The outbox worker: sends queued messages to Discord, paced, in order per channel, once.

- Pacing: one sliding window for every send (Discord allows 50 requests/s per bot; we keep
  to 40, as Discord's own guidance for bulk sends says). Interaction replies don't pass here:
  they are exempt from the global limit and must not queue behind reminders.
- Per-route buckets: sends to one channel (or one member's DMs) go one at a time, so one busy
  channel never holds up the others; a route 429 parks only that lane, a global 429 all.
- Once: rows are sealed into batches before the first attempt; a batch is always sent with
  the same content and nonce (`enforce_nonce`), so a resend after a crash posts nothing new.
- Retries: temporary failures back off exponentially with jitter; after `max_attempts`, or on
  a permanent rejection, the batch is marked failed with its reason and logged.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from dataclasses import dataclass

from bot.clock import Clock, Wait, to_unix, wait_for_event
from bot.outbox.batching import Batch
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import (
    DeliveryError,
    RateLimited,
    RecipientClosedDms,
    Rejected,
    Transport,
)
from bot.rate_limit import RateLimiter, Window

log = logging.getLogger(__name__)

DISCORD_SEND_WINDOWS = (Window(40, 1.0), Window(5, 0.1))  # 40/s, in steps of at most 5


@dataclass(frozen=True)
class OutboxSettings:
    max_in_flight: int = 8
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 15 * 60.0
    max_sleep: float = 30.0  # re-check at least this often, whatever the queue says
    seal_limit: int = 500
    batch_limit: int = 200


class Outbox:
    def __init__(
        self,
        repository: OutboxRepository,
        transport: Transport,
        clock: Clock,
        limiter: RateLimiter,
        *,
        settings: OutboxSettings | None = None,
        wait: Wait = wait_for_event,
    ) -> None:
        self._repository = repository
        self._transport = transport
        self._clock = clock
        self._limiter = limiter
        self._settings = settings or OutboxSettings()
        self._wait = wait
        self._wake = asyncio.Event()
        self._busy_lanes: set[str] = set()
        self._lane_paused_until: dict[str, float] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    def notify(self) -> None:
        """New rows were queued: look now rather than at the next scheduled check."""
        self._wake.set()

    def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._run(), name="outbox")

    async def stop(self, *, grace: float) -> None:
        """Send what is ready for up to `grace` seconds, then stop. Whatever is left stays
        queued, sealed, and goes out (with the same nonce) at the next start."""
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            done, _ = await asyncio.wait({self._loop}, timeout=grace)
            if not done:
                self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before looking, so rows queued meanwhile wake us
            try:
                _, ready = await self.dispatch_ready()
            except Exception:
                log.exception("Outbox pass failed; trying again shortly")
                ready = 0
                await asyncio.sleep(1.0)
            if self._stopping and ready == 0 and not self._in_flight:
                return
            await self._wait(self._wake, await self._delay())

    async def dispatch_ready(self) -> tuple[int, int]:
        """Start sending every ready batch whose lane is free; returns (started, ready)."""
        now = self._now()
        await self._repository.seal_ready(now=now, limit=self._settings.seal_limit)
        batches = await self._repository.ready_batches(now=now, limit=self._settings.batch_limit)
        started = 0
        monotonic = self._clock.monotonic()
        for batch in batches:
            if len(self._in_flight) >= self._settings.max_in_flight:
                break
            lane = batch.lane
            if lane in self._busy_lanes or self._lane_paused_until.get(lane, 0.0) > monotonic:
                continue
            self._lane_paused_until.pop(lane, None)
            self._busy_lanes.add(lane)
            task = asyncio.create_task(self._deliver(batch), name=f"outbox-{batch.nonce}")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            started += 1
        return started, len(batches)

    async def drain(self) -> None:
        """Send everything ready now and wait for it (tests and the demo use this)."""
        while True:
            started, ready = await self.dispatch_ready()
            if self._in_flight:
                await asyncio.wait(set(self._in_flight))
            elif ready == 0 or started == 0:
                return

    async def _delay(self) -> float:
        if self._in_flight:
            return self._settings.max_sleep  # a finishing send wakes the loop
        next_at = await self._repository.next_send_after()
        delay = self._settings.max_sleep
        if next_at is not None:
            delay = min(delay, max(0.0, next_at - self._clock.now().timestamp()))
        paused = [until - self._clock.monotonic() for until in self._lane_paused_until.values()]
        if paused:
            delay = min(delay, max(0.0, min(paused)))
        return delay

    async def _deliver(self, batch: Batch) -> None:
        try:
            await self._limiter.acquire()
            await self._send(batch)
        except RateLimited as limited:
            await self._rate_limited(batch, limited)
        except Rejected as rejected:
            await self._give_up(batch, f"rejected: {rejected}")
        except Exception as error:  # any failure is retried, then recorded
            await self._retry_or_give_up(batch, error)
        finally:
            self._busy_lanes.discard(batch.lane)
            self._wake.set()

    async def _send(self, batch: Batch) -> None:
        row = batch.first
        if row.channel_id is not None:
            message_id = await self._transport.send_to_channel(
                row.channel_id, batch.render(), nonce=batch.nonce
            )
            via = "channel"
        else:
            assert row.member_id is not None  # the table's CHECK: one or the other
            try:
                message_id = await self._transport.send_to_member(
                    row.member_id, batch.render(), nonce=batch.nonce
                )
                via = "dm"
            except RecipientClosedDms:
                if row.fallback_channel_id is None:
                    raise Rejected(
                        "the member's DMs are closed and there is no channel to use"
                    ) from None
                await self._limiter.acquire()
                message_id = await self._transport.send_to_channel(
                    row.fallback_channel_id, batch.render_dm_fallback(), nonce=f"{batch.nonce}f"
                )
                via = "dm_fallback"
                log.info(
                    "Member %s has DMs closed; posted message %s in channel %s instead",
                    row.member_id,
                    batch.nonce,
                    row.fallback_channel_id,
                )
        await self._repository.mark_sent(batch, message_id=message_id, via=via, now=self._now())

    async def _rate_limited(self, batch: Batch, limited: RateLimited) -> None:
        if limited.is_global:
            self._limiter.pause_for(limited.retry_after)
        else:
            self._lane_paused_until[batch.lane] = self._clock.monotonic() + limited.retry_after
        log.warning("Outbox %s: %s", batch.nonce, limited)
        await self._repository.retry_later(
            batch,
            send_after=self._now() + math.ceil(limited.retry_after),
            error=str(limited),
            count_attempt=False,  # waiting our turn is not a failure
        )

    async def _retry_or_give_up(self, batch: Batch, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        attempt = batch.attempts + 1
        if attempt >= self._settings.max_attempts:
            await self._give_up(batch, f"gave up after {attempt} attempts; last: {reason}")
            return
        delay = self._backoff(attempt)
        if not isinstance(error, DeliveryError):
            log.error("Outbox %s failed unexpectedly", batch.nonce, exc_info=error)
        else:
            log.warning(
                "Outbox %s attempt %d failed (%s); retrying in %.0fs",
                batch.nonce,
                attempt,
                reason,
                delay,
            )
        await self._repository.retry_later(
            batch, send_after=self._now() + math.ceil(delay), error=reason, count_attempt=True
        )

    async def _give_up(self, batch: Batch, reason: str) -> None:
        log.error("Outbox %s not delivered: %s", batch.nonce, reason)
        await self._repository.mark_failed(batch, error=reason, now=self._now())

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._settings.backoff_cap, self._settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter, not secrecy

    def _now(self) -> int:
        return to_unix(self._clock.now())
