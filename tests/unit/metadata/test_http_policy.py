"""The rate limiter, circuit breaker and retry policy, on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from bot.metadata.http_policy import (
    Admission,
    CircuitBreaker,
    ProviderHttp,
    RateLimiter,
    Window,
    parse_retry_after,
)
from bot.metadata.provider import ProviderRateLimited, ProviderUnavailable


def _max_in_any_window(starts: list[float], seconds: float) -> int:
    return max(sum(1 for s in starts if first <= s < first + seconds) for first in starts)


async def test_limiter_never_exceeds_any_window(clock):
    limiter = RateLimiter((Window(5, 1.0), Window(12, 10.0)), clock, clock.sleep)
    starts: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        starts.append(clock.monotonic())

    await asyncio.gather(*(one() for _ in range(60)))
    assert len(starts) == 60
    assert _max_in_any_window(starts, 1.0) <= 5
    assert _max_in_any_window(starts, 10.0) <= 12
    # and it is not needlessly slow: 60 requests at 12 per 10 s take about 40 s
    assert starts[-1] - starts[0] < 50.5


async def test_limiter_lets_a_burst_through_at_once(clock):
    limiter = RateLimiter((Window(4, 4.0),), clock, clock.sleep)
    for _ in range(4):
        await limiter.acquire()
    assert clock.sleeps == []


async def test_pause_holds_everyone_back(clock):
    limiter = RateLimiter((Window(100, 1.0),), clock, clock.sleep)
    limiter.pause_for(30)
    started = clock.monotonic()
    await limiter.acquire()
    assert clock.monotonic() - started == pytest.approx(30)


def test_breaker_opens_half_opens_and_backs_off(clock):
    breaker = CircuitBreaker(clock, failure_threshold=3, cooldown=10, max_cooldown=25)
    for _ in range(3):
        admission = breaker.allow()
        assert admission.allowed
        assert admission.trial is None
        breaker.record_failure(admission)
    assert breaker.is_open
    assert not breaker.allow().allowed
    clock.advance(10)
    trial = breaker.allow()
    assert trial.trial is not None  # the one trial request
    assert not breaker.allow().allowed  # nobody else while it is in flight
    breaker.record_failure(trial)  # trial failed: cool down twice as long
    clock.advance(19)
    assert not breaker.allow().allowed
    clock.advance(1)
    trial = breaker.allow()
    assert trial.trial is not None
    breaker.record_failure(trial)
    clock.advance(24)
    assert not breaker.allow().allowed  # capped at 25
    clock.advance(1)
    trial = breaker.allow()
    breaker.record_success(trial)
    assert not breaker.is_open
    assert breaker.allow() == Admission(allowed=True, opened=3)


def test_only_the_current_trial_decides_a_half_open_breaker(clock):
    breaker = CircuitBreaker(clock, failure_threshold=1, cooldown=10)
    straggler = breaker.allow()  # let in while closed, answers late
    breaker.record_failure(breaker.allow())  # someone else's failure opens it
    clock.advance(10)
    trial = breaker.allow()
    assert trial.trial is not None
    breaker.record_neutral(straggler)  # the straggler gives up (a 429)
    assert not breaker.allow().allowed  # the trial is still the only one
    breaker.record_failure(straggler)  # a straggler's failure is not the trial's
    clock.advance(0.5)
    assert not breaker.is_open  # half-open still: the straggler did not reopen it
    breaker.record_failure(trial)
    clock.advance(19)
    assert not breaker.allow().allowed  # the trial's failure doubled the cooldown
    clock.advance(1)
    assert breaker.allow().trial is not None


def test_an_old_trial_cannot_reopen_a_breaker_a_later_success_closed(clock):
    breaker = CircuitBreaker(clock, failure_threshold=1, cooldown=10)
    breaker.record_failure(breaker.allow())
    clock.advance(10)
    old_trial = breaker.allow()
    breaker.record_success(Admission(allowed=True, opened=0))  # a straggler got through
    breaker.record_failure(old_trial)
    assert not breaker.is_open
    assert breaker.allow().allowed


async def test_a_call_queued_while_the_breaker_opens_is_not_sent(clock):
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        http = ProviderHttp(
            "anilist", client, windows=(Window(1, 60.0),), clock=clock, sleep=clock.sleep
        )
        await http.request("GET", "https://a.test/first")  # takes the minute's only slot
        queued = asyncio.ensure_future(http.request("GET", "https://a.test/queued"))
        await asyncio.sleep(0)
        for _ in range(5):
            http.breaker.record_failure(http.breaker.allow())  # others fail meanwhile
        assert http.breaker.is_open
        with pytest.raises(ProviderUnavailable):
            await queued
    assert sent == ["https://a.test/first"]


def test_retry_after_forms(clock):
    assert parse_retry_after("60", clock, 5) == 60
    assert parse_retry_after(None, clock, 5) == 5
    assert parse_retry_after("soon", clock, 5) == 5
    later = clock.now().replace(microsecond=0) + timedelta(seconds=90)
    assert parse_retry_after(format_datetime(later, usegmt=True), clock, 5) == pytest.approx(90)


def _http(clock, handler, **kwargs) -> tuple[ProviderHttp, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request, len(seen))

    client = httpx.AsyncClient(
        base_url="https://provider.test", transport=httpx.MockTransport(record)
    )
    return ProviderHttp(
        "test", client, windows=(Window(100, 1.0),), clock=clock, sleep=clock.sleep, **kwargs
    ), seen


async def test_short_retry_after_is_waited_out(clock):
    def handler(request, n):
        if n == 1:
            return httpx.Response(429, headers={"Retry-After": "2"})
        return httpx.Response(200, json={"ok": True})

    http, seen = _http(clock, handler)
    started = clock.monotonic()
    response = await http.request("GET", "/x")
    assert response.json() == {"ok": True}
    assert len(seen) == 2
    assert clock.monotonic() - started >= 2


async def test_long_retry_after_fails_fast_and_pauses_later_calls(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(429, headers={"Retry-After": "60"}))
    with pytest.raises(ProviderRateLimited) as caught:
        await http.request("GET", "/x")
    assert caught.value.retry_after == 60
    with pytest.raises(ProviderRateLimited):
        await http.request("GET", "/y")
    assert len(seen) == 1  # no retry storm
    clock.advance(61)
    http._client._transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    assert (await http.request("GET", "/z")).status_code == 200


async def test_server_errors_are_retried_with_backoff(clock):
    http, seen = _http(
        clock, lambda request, n: httpx.Response(503) if n < 3 else httpx.Response(200, json={})
    )
    assert (await http.request("GET", "/x")).status_code == 200
    assert len(seen) == 3
    assert len(clock.sleeps) == 2


async def test_timeouts_end_in_unavailable(clock):
    def handler(request, n):
        raise httpx.ReadTimeout("slow", request=request)

    http, seen = _http(clock, handler)
    with pytest.raises(ProviderUnavailable, match="timed out"):
        await http.request("GET", "/x")
    assert len(seen) == 3


async def test_forbidden_is_not_retried(clock):
    http, seen = _http(
        clock, lambda request, n: httpx.Response(403, text="<html>Just a moment...</html>")
    )
    with pytest.raises(ProviderUnavailable, match="403"):
        await http.request("GET", "/x")
    assert len(seen) == 1


async def test_not_found_is_the_providers_to_interpret(clock):
    http, _ = _http(clock, lambda request, n: httpx.Response(404, json={"status_code": 34}))
    assert (await http.request("GET", "/x")).status_code == 404


async def test_open_breaker_stops_requests(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(500), max_attempts=1)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable):
            await http.request("GET", "/x")
    with pytest.raises(ProviderUnavailable, match="circuit open"):
        await http.request("GET", "/x")
    assert len(seen) == 5


async def test_a_half_open_trial_that_gets_a_429_does_not_wedge_the_breaker(clock):
    http, _ = _http(clock, lambda request, n: httpx.Response(500), max_attempts=1)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable):
            await http.request("GET", "/x")
    clock.advance(30)
    http._client._transport = httpx.MockTransport(
        lambda request: httpx.Response(429, headers={"Retry-After": "1"})
    )
    with pytest.raises(ProviderRateLimited):
        await http.request("GET", "/trial")  # the trial request is rate limited: says nothing
    clock.advance(2)
    http._client._transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    assert (await http.request("GET", "/again")).status_code == 200


async def test_a_cancelled_trial_does_not_wedge_the_breaker(clock):
    http, _ = _http(clock, lambda request, n: httpx.Response(500), max_attempts=1)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable):
            await http.request("GET", "/x")
    clock.advance(30)
    gate = asyncio.Event()

    async def hang(request):
        await gate.wait()
        return httpx.Response(200, json={})

    http._client._transport = httpx.MockTransport(hang)
    trial = asyncio.create_task(http.request("GET", "/trial"))
    await asyncio.sleep(0.01)
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial
    http._client._transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    assert (await http.request("GET", "/again")).status_code == 200


async def test_waiting_callers_do_not_sit_through_a_long_retry_after(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(200, json={}))
    http.limiter = RateLimiter((Window(1, 10.0),), clock, clock.sleep)
    await http.request("GET", "/first")  # uses the only slot for 10 s

    async def second() -> httpx.Response:
        return await http.request("GET", "/second")

    waiting = asyncio.create_task(second())
    await asyncio.sleep(0)
    http.limiter.pause_for(60)  # a 429 elsewhere, while /second waits for its slot
    with pytest.raises(ProviderRateLimited):
        await waiting
    assert [r.url.path for r in seen] == ["/first"]


async def test_refusals_are_logged_with_what_the_provider_said(clock):
    http, _ = _http(
        clock,
        lambda request, n: httpx.Response(
            403, json={"errors": [{"message": "The AniList API has been temporarily disabled"}]}
        ),
    )
    with pytest.raises(ProviderUnavailable, match="temporarily disabled"):
        await http.request("GET", "/x")


async def test_backoff_uses_the_injected_jitter(clock):
    http, _ = _http(
        clock,
        lambda request, n: httpx.Response(503) if n < 3 else httpx.Response(200, json={}),
        jitter=lambda low, high: high,
        backoff=0.5,
    )
    await http.request("GET", "/x")
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("header", ["inf", "1e12", "nan"])
def test_absurd_retry_after_is_capped(clock, header):
    assert parse_retry_after(header, clock, 60) <= 3600


async def test_request_timeout_is_retried_and_503_retry_after_is_honoured(clock):
    def handler(request, n):
        if n == 1:
            return httpx.Response(408)
        if n == 2:
            return httpx.Response(503, headers={"Retry-After": "3"})
        return httpx.Response(200, json={})

    http, seen = _http(clock, handler, jitter=lambda low, high: 0.25)
    assert (await http.request("GET", "/x")).status_code == 200
    assert len(seen) == 3
    assert clock.sleeps == [0.25, 3.0]


def _opened(http: ProviderHttp) -> None:
    for _ in range(5):
        http.breaker.record_failure(http.breaker.allow())
    assert http.breaker.is_open


async def test_an_open_breaker_answers_without_waiting_for_a_rate_limit_slot(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(200, json={}))
    http.limiter = RateLimiter((Window(1, 60.0),), clock, clock.sleep)
    await http.request("GET", "/first")  # the only slot for a minute
    _opened(http)
    started = clock.monotonic()
    with pytest.raises(ProviderUnavailable, match="circuit open"):
        await http.request("GET", "/second")
    assert clock.monotonic() == started
    assert clock.sleeps == []
    assert [r.url.path for r in seen] == ["/first"]


async def test_a_half_open_trial_refused_a_slot_is_released(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(200, json={}))
    _opened(http)
    clock.advance(30)  # half-open: the next caller is the trial
    http.limiter.pause_for(60)  # a 429 elsewhere: too long for an interactive reply
    with pytest.raises(ProviderRateLimited):
        await http.request("GET", "/trial")
    clock.advance(61)
    assert (await http.request("GET", "/next")).status_code == 200  # not refused as "in flight"
    assert [r.url.path for r in seen] == ["/next"]


async def test_the_failure_that_opens_the_breaker_ends_the_call_without_a_back_off(clock):
    http, seen = _http(clock, lambda request, n: httpx.Response(503))
    http.breaker = CircuitBreaker(clock, failure_threshold=1)
    with pytest.raises(ProviderUnavailable, match="circuit open"):
        await http.request("GET", "/x")
    assert len(seen) == 1
    assert clock.sleeps == []


async def test_a_refused_connection_gives_its_rate_limit_slot_back(clock):
    def handler(request, n):
        if n < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={})

    http, seen = _http(clock, handler, jitter=lambda low, high: high)
    http.limiter = RateLimiter((Window(1, 60.0),), clock, clock.sleep)
    assert (await http.request("GET", "/x")).status_code == 200
    assert len(seen) == 3
    assert clock.sleeps == [0.5, 1.0]  # the back-offs only: no wait for a slot


async def test_a_request_that_was_sent_keeps_its_slot(clock):
    def handler(request, n):
        if n == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={})

    http, _ = _http(clock, handler, jitter=lambda low, high: high)
    http.limiter = RateLimiter((Window(1, 60.0),), clock, clock.sleep)
    await http.request("GET", "/x")
    assert clock.sleeps == [0.5, pytest.approx(59.5)]  # the provider may have counted it
