"""The timer service: every feature's scheduled work, run on time, across restarts, once.

One dispatcher task sleeps until the earliest pending row, in capped steps that re-read the
wall clock (asyncio's sleep runs on the monotonic clock, which stands still while a machine is
suspended and ignores clock steps), and wakes at once when a sooner timer is scheduled. It
claims due rows in batches and runs their handlers concurrently, up to a limit. Results are
written in group commits: one transaction (one fsync) for every run that finished meanwhile.

Nothing here is kept per pending timer: memory depends on what is running, not on what waits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, Wait, from_unix, to_unix, wait_for_event
from bot.outbox.queueing import queue_for_timer
from bot.storage.database import Transaction
from bot.timers.models import (
    ClaimedTimer,
    FiredTimer,
    NewTimer,
    PermanentTimerError,
    TimerHandler,
    TimerOutcome,
)
from bot.timers.repository import Finished, TimerRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimerSettings:
    batch_size: int = 500  # rows claimed per transaction
    max_running: int = 64  # handlers running at once
    max_attempts: int = 5  # then the timer is dead (visible in `watchclub timers`)
    backoff_base: float = 10.0
    backoff_cap: float = 3600.0
    # Re-read the wall clock at least this often: after a suspend or a clock step a timer is
    # at most this late. One indexed query per wake, so short costs nothing.
    max_sleep: float = 5.0


class TimerService:
    def __init__(
        self,
        repository: TimerRepository,
        clock: Clock,
        *,
        settings: TimerSettings | None = None,
        wait: Wait = wait_for_event,
        on_messages_queued: Callable[[], None] | None = None,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._settings = settings or TimerSettings()
        self._wait = wait
        self._on_messages_queued = on_messages_queued
        self._handlers: dict[str, TimerHandler] = {}
        self._wake = asyncio.Event()
        self._wakes_at = float("inf")  # when the dispatcher next looks, as a Unix time
        self._slots = asyncio.Semaphore(self._settings.max_running)
        self._running: set[asyncio.Task[None]] = set()
        self._finished: list[Finished] = []
        self._have_finished = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None

    def register(self, kind: str, handler: TimerHandler) -> None:
        if kind in self._handlers:
            raise ValueError(f"a handler for {kind!r} is already registered")
        self._handlers[kind] = handler

    async def schedule(
        self, kind: str, due_at: datetime, payload: dict[str, Any], *, key: str
    ) -> None:
        """Run `kind`'s handler at `due_at`. Scheduling a key again moves that timer."""
        await self.schedule_many([NewTimer(key, kind, to_unix(due_at), payload)])

    async def schedule_many(self, timers: Sequence[NewTimer]) -> None:
        if not timers:
            return
        await self._repository.schedule_many(timers, now=self._now())
        if min(timer.due_at for timer in timers) < self._wakes_at:
            self._wake.set()

    async def schedule_in(self, tx: Transaction, timers: Sequence[NewTimer]) -> None:
        """`schedule_many` inside the caller's transaction. The dispatcher is woken now; if
        the transaction rolls back it merely looks once for nothing."""
        if not timers:
            return
        await self._repository.schedule_in(tx, timers, now=self._now())
        if min(timer.due_at for timer in timers) < self._wakes_at:
            self._wake.set()

    async def cancel_in(self, tx: Transaction, keys: Sequence[str]) -> int:
        return await self._repository.cancel_in(tx, keys)

    async def cancel_prefixed_in(self, tx: Transaction, prefix: str) -> int:
        return await self._repository.cancel_prefixed_in(tx, prefix)

    async def ensure(
        self, kind: str, due_at: datetime, payload: dict[str, Any], *, key: str
    ) -> None:
        """Schedule unless `key` is already pending or running."""
        timer = NewTimer(key, kind, to_unix(due_at), payload)
        await self._repository.ensure([timer], now=self._now())
        if timer.due_at < self._wakes_at:
            self._wake.set()

    async def cancel(self, key: str) -> bool:
        return await self._repository.cancel(key)

    async def start(self) -> None:
        """Recover runs a crash cut short, then start the dispatcher."""
        if self._dispatcher is not None:
            return
        recovered = await self._repository.recover_claimed()
        if recovered:
            log.warning(
                "Recovered %d timers that were running when the bot last stopped", recovered
            )
        self._recorder = asyncio.create_task(self._record_loop(), name="timers-recorder")
        self._dispatcher = asyncio.create_task(self._dispatch_loop(), name="timers-dispatcher")

    async def stop(self, *, grace: float) -> None:
        """Stop claiming, give running handlers `grace` seconds, record what finished. Runs
        still unfinished stay claimed and run again at the next start."""
        if self._dispatcher is None:
            return
        self._dispatcher.cancel()
        await asyncio.gather(self._dispatcher, return_exceptions=True)
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        if self._recorder is not None:
            self._recorder.cancel()
            await asyncio.gather(self._recorder, return_exceptions=True)
        try:
            await self._record_finished()
        except Exception:
            # Shutdown goes on: those runs stay claimed and are redone at the next start.
            log.exception("Could not record finished timers at shutdown")
        self._dispatcher = self._recorder = None

    async def _dispatch_loop(self) -> None:
        while True:
            self._wake.clear()  # before looking, so a timer scheduled meanwhile wakes us
            try:
                claimed = await self.fire_due()
            except Exception:
                log.exception("Timer dispatch failed; trying again shortly")
                await asyncio.sleep(1.0)
                continue
            if claimed >= self._settings.batch_size:
                continue  # more may be due right now
            delay = await self._delay()
            self._wakes_at = self._clock.now().timestamp() + delay
            await self._wait(self._wake, delay)
            self._wakes_at = float("inf")

    async def fire_due(self) -> int:
        """Claim what is due and start its handlers; returns how many were claimed."""
        now = self._clock.now()
        claimed = await self._repository.claim_due(
            now=to_unix(now), limit=self._settings.batch_size
        )
        for timer in claimed:
            await self._slots.acquire()
            task = asyncio.create_task(self._run(timer), name=f"timer-{timer.kind}-{timer.id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return len(claimed)

    async def settle(self) -> None:
        """Wait for every running handler and record the results (tests and the demo)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        await self._record_finished()

    async def _delay(self) -> float:
        next_run = await self._repository.next_run_at()
        if next_run is None:
            return self._settings.max_sleep
        return min(self._settings.max_sleep, max(0.0, next_run - self._clock.now().timestamp()))

    async def _run(self, timer: ClaimedTimer) -> None:
        try:
            result = await self._execute(timer)
        finally:
            self._slots.release()
        self._finished.append(result)
        self._have_finished.set()

    async def _execute(self, timer: ClaimedTimer) -> Finished:
        handler = self._handlers.get(timer.kind)
        if handler is None:
            return self._dead(timer, f"no handler is registered for kind {timer.kind!r}")
        now = self._clock.now()
        fired = FiredTimer(
            id=timer.id,
            key=timer.key,
            kind=timer.kind,
            due_at=from_unix(timer.due_at),
            payload=json.loads(timer.payload),
            attempt=timer.attempts,
            late_by=max(timedelta(0), now - from_unix(timer.due_at)),
        )
        try:
            outcome = await handler(fired) or TimerOutcome()
        except PermanentTimerError as error:
            return self._dead(timer, str(error) or type(error).__name__)
        except Exception as error:
            return self._retry_or_dead(timer, error)
        messages = queue_for_timer(timer.id, timer.due_at, outcome.messages)
        if outcome.repeat_at is not None:
            next_due = to_unix(outcome.repeat_at)
            return Finished(
                timer, "pending", run_at=next_due, repeat_due_at=next_due, messages=messages
            )
        return Finished(timer, "done", messages=messages)

    def _retry_or_dead(self, timer: ClaimedTimer, error: Exception) -> Finished:
        reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        if timer.attempts >= self._settings.max_attempts:
            log.error(
                "Timer %s (%s) failed %d times",
                timer.key,
                timer.kind,
                timer.attempts,
                exc_info=error,
            )
            return self._dead(timer, f"failed {timer.attempts} times; last: {reason}")
        ceiling = min(
            self._settings.backoff_cap, self._settings.backoff_base * 2 ** (timer.attempts - 1)
        )
        delay = random.uniform(ceiling / 2, ceiling)  # jitter, not secrecy
        log.warning(
            "Timer %s (%s) attempt %d failed; retrying in %.0fs",
            timer.key,
            timer.kind,
            timer.attempts,
            delay,
            exc_info=error,
        )
        return Finished(timer, "pending", run_at=self._now() + round(delay), error=reason)

    def _dead(self, timer: ClaimedTimer, reason: str) -> Finished:
        log.error("Timer %s (%s) is dead: %s", timer.key, timer.kind, reason)
        return Finished(timer, "dead", error=reason)

    async def _record_loop(self) -> None:
        while True:
            await self._have_finished.wait()
            try:
                await self._record_finished()
            except Exception:
                # The runs stay claimed in the database, so nothing is lost: they are put back
                # and recorded with the next write, or recovered at the next start.
                log.exception("Recording finished timers failed; retrying shortly")
                await asyncio.sleep(1.0)

    async def _record_finished(self) -> None:
        self._have_finished.clear()
        batch, self._finished = self._finished, []
        if not batch:
            return
        try:
            queued = await self._repository.finish(batch, now=self._now())
        except BaseException:
            self._finished[:0] = batch
            self._have_finished.set()
            raise
        if queued and self._on_messages_queued is not None:
            self._on_messages_queued()

    def _now(self) -> int:
        return to_unix(self._clock.now())
