"""The outbox worker: sends, edits and mirrors to Discord, paced, in order per lane, once.

- Pacing: one sliding window for every send (Discord allows 50 requests/s per bot; we keep
  to 40, as Discord's own guidance for bulk sends says). Interaction replies don't pass here:
  they are exempt from the global limit and must not queue behind reminders.
- Per-route buckets: sends to one channel (or one member's DMs) go one at a time, so one busy
  channel never holds up the others; a route 429 parks only that lane, a global 429 all.
- Once: rows are sealed into batches before the first attempt; a batch is always sent with
  the same content and nonce (`enforce_nonce`), so a resend after a crash posts nothing new.
- Edits: queued edits of one message collapse into the latest (bot/outbox/queueing.py), and
  one message is edited at most once every `spacing` seconds. An edit of a deleted message
  (10008) ends quietly, recorded as `message_gone`.
- Events: a guild scheduled event is created once and its id kept by key; a create that may
  have landed before a crash looks for the event before making another. Missing Manage
  Events (403) or Discord's 100-event cap (30038) turns mirroring off for that server, with
  the reason kept for /about; a create is tried again after `mirror_retry` seconds.
- Retries: temporary failures back off exponentially with jitter; after `max_attempts`, or on
  a permanent rejection, the batch is marked failed with its reason and logged.
- Threads: a message that names a thread gets it opened once it is posted. If that fails (no
  permission, a 5xx), the message still counts as sent; the reason is logged and kept on the row.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock, Wait, to_unix, wait_for_event
from bot.outbox.batching import Batch
from bot.outbox.message import Delivery
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import (
    DeliveryError,
    Gone,
    LimitReached,
    NotAllowed,
    RateLimited,
    RecipientClosedDms,
    Rejected,
    Transport,
)
from bot.rate_limit import RateLimiter, Window

log = logging.getLogger(__name__)

DISCORD_SEND_WINDOWS = (Window(40, 1.0), Window(5, 0.1))  # 40/s, in steps of at most 5

MISSING_PERMISSIONS = 50013  # the codes a server's event mirror is turned off by
TOO_MANY_EVENTS = 30038
MIRROR_OFF_NO_PERMISSION = "I lack the Manage Events permission."
MIRROR_OFF_AT_CAP = "This server has 100 upcoming Discord events, which is Discord's limit."


@dataclass(frozen=True)
class OutboxSettings:
    max_in_flight: int = 8
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_cap: float = 15 * 60.0
    max_sleep: float = 30.0  # re-check at least this often, whatever the queue says
    seal_limit: int = 500
    batch_limit: int = 200
    wait_for_message: int = 2  # an edit whose message is still queued looks again this soon
    wait_for_message_at_most: int = 3600  # then the message is taken as never posted
    mirror_retry: int = 6 * 3600  # a server's mirror that is off is tried again after this
    mirror_hold_at_most: int = 30 * 24 * 3600  # a held event request older than this is dropped


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

    async def queue(self, deliveries: Sequence[Delivery]) -> None:
        """Queue deliveries now (for work that is not a timer's, such as a vote's new tally);
        they go out with the same pacing and guarantees as everything else."""
        batch = uuid.uuid4().hex
        await self._repository.enqueue(
            [QueuedDelivery(f"direct:{batch}:{n}", d) for n, d in enumerate(deliveries)],
            now=self._now(),
        )
        self.notify()

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
            match batch.first.action:
                case "edit":
                    await self._edit(batch)
                case "event_mirror":
                    await self._mirror_event(batch)
                case "event_remove":
                    await self._remove_event(batch)
                case _:
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
        files = await self._repository.files_for_send(batch)
        if files is None:
            return  # nothing left to send (only superseding rows can lose their turn)
        await self._limiter.acquire()
        channel_id = row.channel_id
        note = None
        if channel_id is not None:
            message = batch.render(files)
            message_id = await self._transport.send_to_channel(
                channel_id, message, nonce=batch.nonce
            )
            outcome = "channel"
            if message.thread_name is not None:
                note = await self._open_thread(batch, channel_id, message_id, message.thread_name)
        else:
            assert row.member_id is not None  # the table's CHECK: one or the other
            try:
                posted = await self._transport.send_to_member(
                    row.member_id, batch.render(files), nonce=batch.nonce
                )
                channel_id, message_id, outcome = posted.channel_id, posted.message_id, "dm"
            except RecipientClosedDms:
                if row.fallback_channel_id is None:
                    raise Rejected(
                        "the member's DMs are closed and there is no channel to use"
                    ) from None
                await self._limiter.acquire()
                channel_id = row.fallback_channel_id
                message_id = await self._transport.send_to_channel(
                    channel_id, batch.render_dm_fallback(files), nonce=f"{batch.nonce}f"
                )
                outcome = "dm_fallback"
                log.info(
                    "Member %s has DMs closed; posted message %s in channel %s instead",
                    row.member_id,
                    batch.nonce,
                    channel_id,
                )
        await self._repository.mark_sent(
            batch,
            outcome=outcome,
            message_id=message_id,
            channel_id=channel_id,
            now=self._now(),
            note=note,
        )

    async def _open_thread(
        self, batch: Batch, channel_id: int, message_id: int, name: str
    ) -> str | None:
        """Open the message's thread; returns why it could not be, if it could not. The message
        is posted whatever happens here, so nothing is retried: a resend would post nothing new
        and would only try the thread again."""
        await self._limiter.acquire()
        try:
            await self._transport.open_thread(channel_id, message_id, name)
        except DeliveryError as error:
            log.warning(
                "Outbox %s: posted message %s, but could not open its thread: %s",
                batch.nonce,
                message_id,
                error,
            )
            return f"thread not opened: {error}"
        return None

    async def _edit(self, batch: Batch) -> None:
        row = batch.first
        assert row.channel_id is not None  # the table's CHECK: an edit names its channel
        now = self._now()
        channel_id, message_id = row.channel_id, row.target_message_id
        if message_id is None:
            assert row.message_key is not None  # the table's CHECK: an id or a key
            keyed = await self._repository.keyed_message(row.message_key)
            never_queued = (
                keyed.state == "unknown"
                and now - row.created_at > self._settings.wait_for_message_at_most
            )
            if keyed.state in ("failed", "skipped") or never_queued:
                reason = f"the message {row.message_key!r} was never posted"
                await self._repository.mark_skipped(
                    batch, outcome="message_missing", reason=reason, now=now
                )
                return
            if keyed.message_id is None:  # still queued, or not queued yet: wait for it
                await self._postpone(batch, now + self._settings.wait_for_message)
                return
            message_id = keyed.message_id
            channel_id = keyed.channel_id or channel_id
        if row.supersede_key is not None and row.spacing > 0:
            last = await self._repository.last_done_at(row.supersede_key)
            if last is not None and now < last + row.spacing:
                await self._postpone(batch, last + row.spacing)
                return
        files = await self._repository.files_for_send(batch)
        if files is None:
            return  # a newer edit replaced this one while it waited
        await self._limiter.acquire()
        try:
            await self._transport.edit_message(channel_id, message_id, batch.render_edit(files))
        except Gone as gone:
            log.info("Outbox %s: message %s was deleted; edit dropped", batch.nonce, message_id)
            await self._repository.mark_skipped(
                batch, outcome="message_gone", reason=str(gone), now=self._now()
            )
            return
        await self._repository.mark_sent(
            batch, outcome="edited", message_id=message_id, now=self._now()
        )

    async def _mirror_event(self, batch: Batch) -> None:
        row = batch.first
        assert row.guild_id is not None
        assert row.event_key is not None
        assert row.event is not None
        guild_id, details = row.guild_id, row.event
        try:
            record = await self._repository.events.event_record(row.event_key)
            if record is not None and record.event_id is None:
                await self._repository.mark_skipped(
                    batch,
                    outcome="event_gone",
                    reason="deleted in Discord; the mirror leaves it deleted",
                    now=self._now(),
                )
                return
            event_id = None if record is None else record.event_id
            adopted = False
            if event_id is None:
                event_id = await self._find_interrupted(row.event_key, guild_id)
                adopted = event_id is not None
            if await self._held_while_mirror_off(batch, guild_id, creating=event_id is None):
                return
            await self._limiter.acquire()
            if event_id is not None:
                # An adopted event shows the state its interrupted create carried: update it.
                await self._transport.update_event(guild_id, event_id, details)
                await self._repository.events.record_event(
                    batch,
                    guild_id=guild_id,
                    event_id=event_id,
                    outcome="event_adopted" if adopted else "event_updated",
                    now=self._now(),
                )
                return
            await self._repository.mark_started(batch, now=self._now())
            event_id = await self._transport.create_event(guild_id, details)
            await self._repository.events.record_event(
                batch,
                guild_id=guild_id,
                event_id=event_id,
                outcome="event_created",
                now=self._now(),
            )
        except Gone:
            if await self._repository.events.removal_interrupted(row.event_key):
                # Our own delete landed before the bot could record it: make the event anew.
                await self._repository.events.drop_event_record(row.event_key)
                await self._postpone(batch, self._now())
            else:
                await self._repository.events.event_deleted_in_discord(batch, now=self._now())
        except (NotAllowed, LimitReached) as refused:
            await self._turn_mirror_off(batch, guild_id, refused)

    async def _remove_event(self, batch: Batch) -> None:
        row = batch.first
        assert row.guild_id is not None
        assert row.event_key is not None
        guild_id = row.guild_id
        try:
            record = await self._repository.events.event_record(row.event_key)
            event_id = None if record is None else record.event_id
            if record is None:  # nothing recorded; a create cut short may still have made one
                event_id = await self._find_interrupted(row.event_key, guild_id)
            if event_id is None:
                await self._repository.events.forget_event(
                    batch, state="skipped", outcome="event_gone", now=self._now()
                )
                return
            if await self._held_while_mirror_off(batch, guild_id, creating=False):
                return
            await self._repository.mark_started(batch, now=self._now())
            await self._limiter.acquire()
            await self._transport.delete_event(guild_id, event_id)
            await self._repository.events.forget_event(
                batch, state="sent", outcome="event_removed", now=self._now()
            )
        except Gone:
            await self._repository.events.forget_event(
                batch, state="skipped", outcome="event_gone", now=self._now()
            )
        except (NotAllowed, LimitReached) as refused:
            await self._turn_mirror_off(batch, guild_id, refused)

    async def _find_interrupted(self, key: str, guild_id: int) -> int | None:
        """An event that an earlier create of this key made without its id being recorded."""
        candidates = await self._repository.events.interrupted_creates(key)
        if not candidates:
            return None
        await self._limiter.acquire()
        found = await self._transport.find_events(guild_id, candidates)
        taken = await self._repository.events.recorded_event_ids(guild_id)  # another party's twin
        return next((event_id for event_id in found if event_id not in taken), None)

    async def _held_while_mirror_off(self, batch: Batch, guild_id: int, *, creating: bool) -> bool:
        """While a server's mirror is off, its requests wait for the next try instead of
        being refused again; one that is too old to matter then is dropped, recorded."""
        off = await self._repository.events.mirror_status(guild_id)
        if off is None or (off.code == TOO_MANY_EVENTS and not creating):
            return False  # at the cap, existing events can still be changed and removed
        now = self._now()
        retry_at = off.since + self._settings.mirror_retry
        if self._stale(batch, until=retry_at if now < retry_at else now):
            await self._repository.mark_skipped(
                batch, outcome="mirror_off", reason=off.reason, now=now
            )
            return True
        if now >= retry_at:
            return False  # time to try again
        await self._repository.retry_later(
            batch, send_after=retry_at, error=off.reason, count_attempt=False
        )
        return True

    def _stale(self, batch: Batch, *, until: int) -> bool:
        """Whether an event request held until `until` no longer matters by then: its session
        has started, or it has waited longer than anyone would still want it."""
        row = batch.first
        too_old = until - row.created_at > self._settings.mirror_hold_at_most
        started = row.event is not None and row.event.start <= until
        return too_old or started

    async def _turn_mirror_off(self, batch: Batch, guild_id: int, refused: Rejected) -> None:
        at_cap = isinstance(refused, LimitReached)
        reason = MIRROR_OFF_AT_CAP if at_cap else MIRROR_OFF_NO_PERMISSION
        log.warning("Event mirroring is off in server %s: %s", guild_id, refused)
        now = self._now()
        retry_at = now + self._settings.mirror_retry
        await self._repository.events.mirror_off(
            batch,
            guild_id=guild_id,
            code=TOO_MANY_EVENTS if at_cap else MISSING_PERMISSIONS,
            reason=reason,
            now=now,
            retry_at=retry_at,
        )
        if self._stale(batch, until=retry_at):
            await self._repository.mark_skipped(batch, outcome="mirror_off", reason=reason, now=now)

    async def _postpone(self, batch: Batch, send_after: int) -> None:
        """Not yet: try again at `send_after`. Waiting is not a failed attempt."""
        await self._repository.retry_later(
            batch, send_after=send_after, error=None, count_attempt=False
        )

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
