"""How watchclub talks to a metadata provider: paced, retried, and cut off when it is down.

- `RateLimiter`: sliding windows ("at most N requests in any T seconds"), one or more per
  provider, strictly never exceeded; a 429's Retry-After pauses every caller, not only one.
- `CircuitBreaker`: after consecutive failures the provider is left alone for a cool-down
  (doubling up to a cap), then one trial request decides.
- `ProviderHttp`: one request through both, breaker first (an open one answers at once, without
  queueing for a rate-limit slot), retrying 5xx and timeouts with backoff, honouring
  Retry-After when the wait is short enough for a person waiting on a reply. A request that
  never connected gives its rate-limit slot back.
Time comes from the injected clock and sleep, so tests run on a fake clock.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bot.clock import Clock
from bot.metadata.provider import (
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from bot.rate_limit import RateLimiter, Sleep, Window

log = logging.getLogger(__name__)


# Each set below the provider's published limit (../shared/reference/metadata-apis.md).
ANILIST_WINDOWS = (Window(25, 60.0), Window(4, 4.0))  # 30/min degraded, plus a burst limiter
TVMAZE_WINDOWS = (Window(18, 10.0),)  # at least 20 per 10 s per IP
TMDB_WINDOWS = (Window(35, 1.0),)  # about 40/s


@dataclass(frozen=True)
class Admission:
    """What the breaker said to one request, and when.

    `opened` is how many times the breaker had opened when the request was let in; `trial`
    numbers the half-open trial it is, if it is one. Outcomes are weighed against them, so a
    request let in before the breaker opened, or a trial that is no longer the current one,
    cannot decide what the breaker does now.
    """

    allowed: bool
    opened: int
    trial: int | None = None


class CircuitBreaker:
    def __init__(
        self,
        clock: Clock,
        *,
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        max_cooldown: float = 600.0,
    ) -> None:
        self._clock = clock
        self._threshold = failure_threshold
        self._base_cooldown = cooldown
        self._max_cooldown = max_cooldown
        self._cooldown = cooldown
        self._failures = 0
        self._open_until: float | None = None
        self._times_opened = 0
        self._trials = 0
        self._current_trial: int | None = None

    @property
    def is_open(self) -> bool:
        return self._open_until is not None and self._clock.monotonic() < self._open_until

    def allow(self) -> Admission:
        if self._open_until is None:
            return Admission(allowed=True, opened=self._times_opened)
        if self._clock.monotonic() < self._open_until or self._current_trial is not None:
            return Admission(allowed=False, opened=self._times_opened)
        self._trials += 1  # half-open: one request decides
        self._current_trial = self._trials
        return Admission(allowed=True, opened=self._times_opened, trial=self._trials)

    def still_admits(self, admission: Admission) -> bool:
        """False when the breaker has opened since `admission` (e.g. while it queued)."""
        if admission.trial is not None:
            return admission.trial == self._current_trial
        return admission.opened == self._times_opened and self._open_until is None

    def record_success(self, admission: Admission) -> None:
        del admission  # any success proves the provider answers, a trial's or a straggler's
        self._failures = 0
        self._open_until = None
        self._current_trial = None
        self._cooldown = self._base_cooldown

    def record_neutral(self, admission: Admission) -> None:
        """The request says nothing about the provider's health (a 429, a cancellation)."""
        if admission.trial is not None and admission.trial == self._current_trial:
            self._current_trial = None

    def record_failure(self, admission: Admission) -> None:
        if admission.trial is not None and admission.trial == self._current_trial:
            self._current_trial = None
            self._cooldown = min(self._cooldown * 2, self._max_cooldown)
            self._open(self._cooldown)
        elif admission.trial is None and self.still_admits(admission):
            self._failures += 1
            if self._failures >= self._threshold:
                self._open(self._cooldown)
        # Otherwise a straggler let in before the breaker last opened, or an old trial:
        # its failure is already accounted for.

    def _open(self, seconds: float) -> None:
        self._times_opened += 1
        self._open_until = self._clock.monotonic() + seconds


MAX_RETRY_AFTER = 3600.0  # a broken or hostile header must not silence a provider for good


def parse_retry_after(value: str | None, clock: Clock, default: float) -> float:
    """Retry-After as seconds or an HTTP date, capped at an hour; `default` when unreadable."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = (moment - clock.now()).total_seconds()
    if not math.isfinite(seconds):
        return default
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class ProviderHttp:
    """One provider's HTTP access: limiter, breaker and retries around an httpx client."""

    def __init__(
        self,
        name: str,
        client: httpx.AsyncClient,
        *,
        windows: tuple[Window, ...],
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int = 3,
        backoff: float = 0.5,
        max_retry_wait: float = 5.0,
        default_retry_after: float = 60.0,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.name = name
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self.limiter = RateLimiter(windows, clock, sleep)
        self.breaker = CircuitBreaker(clock)
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_retry_wait = max_retry_wait
        self._default_retry_after = default_retry_after
        self._jitter = jitter

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The provider's answer, or a ProviderError saying why there is none.

        Returns 2xx and the 4xx a provider must interpret itself (400, 404, 422). Raises
        ProviderRateLimited when the wait is too long for an interactive reply,
        ProviderUnavailable for 401/403, repeated 5xx or timeouts, or an open breaker.
        """
        retry_wait = 0.0
        for attempt in range(1, self._max_attempts + 1):
            # The breaker first: with the provider down, a caller must not sit through a
            # back-off or queue for a rate-limit slot only to be told then that the provider
            # is being left alone.
            admission = self.breaker.allow()
            if not admission.allowed:
                raise ProviderUnavailable(self.name, "circuit open after repeated failures")
            # From here on, a refused slot, a cancellation or an unexpected error says nothing
            # about the provider's health, and must release a half-open trial it was given.
            outcome = "neutral"
            try:
                if retry_wait:
                    await self._sleep(retry_wait)
                    retry_wait = 0.0
                if self.limiter.paused_for() > self._max_retry_wait:
                    raise ProviderRateLimited(self.name, self.limiter.paused_for())
                slot = await self.limiter.acquire(give_up_after=self._max_retry_wait)
                if slot is None:
                    raise ProviderRateLimited(self.name, self.limiter.paused_for())
                if not self.breaker.still_admits(admission):
                    # The breaker opened while this call queued for its slot.
                    self.limiter.refund(slot)
                    raise ProviderUnavailable(self.name, "circuit open after repeated failures")
                try:
                    response = await self._client.request(method, url, **kwargs)
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    # Never sent, so not counted: retries of a refused connection must not
                    # queue behind their own attempts while the breaker counts them.
                    self.limiter.refund(slot)
                    raise
                status = response.status_code
                if status == 429:
                    retry_after = parse_retry_after(
                        response.headers.get("Retry-After"), self._clock, self._default_retry_after
                    )
                    self.limiter.pause_for(retry_after)
                    log.warning("%s asked us to wait %.0f s (429)", self.name, retry_after)
                    if retry_after > self._max_retry_wait or attempt == self._max_attempts:
                        raise ProviderRateLimited(self.name, retry_after)
                    continue  # acquire() waits out the pause
                if status >= 500 or status == 408:
                    outcome = "failure"
                    if attempt == self._max_attempts:
                        raise ProviderUnavailable(self.name, f"server error {status}")
                    hinted = parse_retry_after(response.headers.get("Retry-After"), self._clock, 0)
                    wait = hinted if 0 < hinted <= self._max_retry_wait else 0
                    retry_wait = wait or self._backoff_for(attempt)
                    continue
                if status in (401, 403):
                    outcome = "failure"
                    raise ProviderUnavailable(
                        self.name, f"refused with {status}: {_snippet(response)}"
                    )
                outcome = "success"
                return response
            except httpx.DecodingError as exc:
                outcome = "failure"
                raise ProviderBadResponse(self.name, f"undecodable body ({exc})") from exc
            except httpx.RequestError as exc:
                outcome = "failure"
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
                if attempt == self._max_attempts:
                    raise ProviderUnavailable(self.name, f"{kind} ({type(exc).__name__})") from exc
                retry_wait = self._backoff_for(attempt)
            finally:
                # Recorded before the retry's back-off, so that this call and others see an
                # opened breaker at once rather than after a sleep.
                if outcome == "success":
                    self.breaker.record_success(admission)
                elif outcome == "failure":
                    self.breaker.record_failure(admission)
                else:
                    self.breaker.record_neutral(admission)
        raise ProviderError(self.name, "no attempts made")  # max_attempts < 1

    def _backoff_for(self, attempt: int) -> float:
        # Full jitter keeps several bots behind one IP from retrying in lockstep.
        return self._jitter(0, self._backoff * 2 ** (attempt - 1))


def _snippet(response: httpx.Response) -> str:
    """What a refusal said, for the log: AniList's "disabled" JSON and Cloudflare's HTML differ."""
    kind = response.headers.get("Content-Type", "?").split(";")[0]
    text = " ".join(response.text[:120].split())
    return f"{kind} {text!r}"
