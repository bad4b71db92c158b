"""The traffic of `bench load` and `bench soak`: what members of many servers do, at a rate.

Each arrival picks a server, one of its members and an action by weight: typing a title
(autocomplete), looking one up, asking for recommendations, rating, voting on the server's live
poll, answering its watch party, scheduling a party (the command, then the preview's Confirm),
opening a poll, listing parties and reading a poll's results. Arrivals are open-loop (Poisson at
the offered rate): a member's click starts at its time whether or not earlier ones were answered,
so latency is what a member waits at that rate.

`Recorder` keeps, per action, the latency from the arrival's scheduled time (so a load generator
that falls behind shows as waiting, not as a lighter load) to the sandbox holding the answer the
member sees (for a deferred command, its follow-up); the second step of an action (a preview's
Confirm) counts from its own click. And what went wrong: an interaction not acknowledged within
Discord's 3 s is a deadline miss; any other failure, and the error handler's generic "Something
went wrong" reply, is an error. A failed interaction's wait (until the member saw the failure)
still counts in the phase's p99 (`waits`), so a run that fails fast cannot look fast.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bench.load_world import POLL_OPTIONS, TITLES, Server, confirm_id
from bench.stats import percentile
from sandbox import Sandbox
from sandbox.errors import InteractionTimeoutError
from sandbox.interaction_state import InteractionResult
from sandbox.world import MemberSpec

GENERIC_FAILURE = "Something went wrong on my side"
TICK = 0.005  # seconds between two launches of the arrivals that are due
ERRORS_KEPT = 5
WHEN = ("fri 8pm", "tomorrow 9pm", "sat 21:00", "in 3 hours")
RSVP_CHOICES = ("going", "going", "maybe", "not_going")

T = TypeVar("T")


# When the running arrival was due (perf_counter); taken by its first interaction.
_ARRIVED_AT: ContextVar[float | None] = ContextVar("arrived_at", default=None)


@dataclass
class Recorder:
    arrivals: int = 0  # member actions started (a schedule and its Confirm are one)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failed_waits: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    deadline_misses: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    async def timed(self, label: str, call: Awaitable[T]) -> T | None:
        began = _ARRIVED_AT.get()
        _ARRIVED_AT.set(None)
        if began is None:
            began = time.perf_counter()
        try:
            answer = await call
        except InteractionTimeoutError as error:
            if "got no response" in str(error):
                self.deadline_misses[label] += 1
            else:
                self.error(label, str(error))
            self.failed_waits.append(time.perf_counter() - began)
            return None
        except Exception as error:
            self.error(label, repr(error))
            self.failed_waits.append(time.perf_counter() - began)
            return None
        if isinstance(answer, InteractionResult) and any(
            GENERIC_FAILURE in text
            for text in [answer.content, *(m.content for m in answer.followups)]
        ):
            self.error(label, answer.content)
            self.failed_waits.append(time.perf_counter() - began)
            return None
        self.latencies[label].append(time.perf_counter() - began)
        return answer

    def error(self, label: str, text: str) -> None:
        self.errors[label] += 1
        if len(self.first_errors) < ERRORS_KEPT:
            self.first_errors.append(f"{label}: {text[:400]}")

    @property
    def answered(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def waits(self) -> list[float]:
        """What every member waited, answered or not."""
        return [x for values in self.latencies.values() for x in values] + self.failed_waits

    def per_action(self) -> dict[str, dict[str, Any]]:
        figures: dict[str, dict[str, Any]] = {}
        for label in sorted(set(self.latencies) | set(self.errors) | set(self.deadline_misses)):
            values = self.latencies.get(label, [])
            figures[label] = {
                "answered": len(values),
                "p50_ms": round(percentile(values, 0.5) * 1000, 1) if values else None,
                "p99_ms": round(percentile(values, 0.99) * 1000, 1) if values else None,
                "errors": self.errors[label],
                "deadline_misses": self.deadline_misses[label],
            }
        return figures


Action = Callable[[Sandbox, Server, MemberSpec, random.Random, Recorder], Coroutine[Any, Any, None]]


async def _autocomplete(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    typed = rng.choice(TITLES).lower()[: rng.randint(2, 6)]
    await rec.timed(
        "autocomplete",
        sandbox.autocomplete(
            "title", member=member, channel=server.general, options={"name": typed}, focused="name"
        ),
    )


async def _title(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    options = {"name": rng.choice(TITLES)}
    await rec.timed(
        "title", sandbox.slash("title", member=member, channel=server.general, options=options)
    )


async def _recommend(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    await rec.timed("recommend", sandbox.slash("recommend", member=member, channel=server.general))


async def _rate(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    options = {"title": rng.choice(TITLES), "score": rng.randint(1, 10)}
    await rec.timed(
        "rate", sandbox.slash("rate", member=member, channel=server.general, options=options)
    )


async def _vote(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    assert server.poll is not None
    option = rng.randrange(len(POLL_OPTIONS))
    custom_id = f"poll:{server.poll_id}:vote:{option}"
    await rec.timed("vote", sandbox.click(member=member, message=server.poll, custom_id=custom_id))


async def _rsvp(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    assert server.party is not None
    custom_id = f"party:{server.party_id}:rsvp:{rng.choice(RSVP_CHOICES)}"
    await rec.timed("rsvp", sandbox.click(member=member, message=server.party, custom_id=custom_id))


async def _schedule(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    options = {"title": rng.choice(TITLES), "when": rng.choice(WHEN)}
    command = "watchparty schedule"
    preview = await rec.timed(
        command, sandbox.slash(command, member=member, channel=server.general, options=options)
    )
    if preview is None:
        return
    confirm = confirm_id(preview.message)
    if preview.message is None or confirm is None:
        rec.error(command, f"no Confirm on the preview: {preview.content[:200]}")
        return
    await rec.timed(
        "schedule confirm",
        sandbox.click(member=member, message=preview.message, custom_id=confirm),
    )


async def _poll_create(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    picked = rng.sample(TITLES, 3)
    options = {
        "question": "What next?",
        **{f"option{n + 1}": name for n, name in enumerate(picked)},
        "duration": "1d",
    }
    await rec.timed(
        "poll create",
        sandbox.slash("poll create", member=member, channel=server.general, options=options),
    )


async def _party_list(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    await rec.timed(
        "watchparty list", sandbox.slash("watchparty list", member=member, channel=server.general)
    )


async def _poll_results(
    sandbox: Sandbox, server: Server, member: MemberSpec, rng: random.Random, rec: Recorder
) -> None:
    options = {"poll": server.poll_id}
    await rec.timed(
        "poll results",
        sandbox.slash("poll results", member=member, channel=server.general, options=options),
    )


# Weights out of 100: typing and clicking dominate, as in a real server.
MIX: tuple[tuple[Action, int], ...] = (
    (_autocomplete, 26),
    (_vote, 24),
    (_rsvp, 14),
    (_title, 10),
    (_recommend, 6),
    (_rate, 6),
    (_party_list, 5),
    (_poll_results, 4),
    (_schedule, 3),
    (_poll_create, 2),
)


class Traffic:
    """Open-loop arrivals of the mix over `servers`, reproducible from `seed`: each arrival's
    server, member, action and the action's own choices come from the seed alone, whatever the
    timing."""

    def __init__(self, sandbox: Sandbox, servers: Sequence[Server], seed: int) -> None:
        self._sandbox = sandbox
        self._servers = servers
        self._rng = random.Random(seed)
        self._actions = [action for action, _ in MIX]
        self._weights = [weight for _, weight in MIX]

    async def _arrival(self, rec: Recorder, due: float, rng: random.Random) -> None:
        server = rng.choice(self._servers)
        member = rng.choice(server.members)
        (action,) = rng.choices(self._actions, self._weights)
        _ARRIVED_AT.set(due)
        rec.arrivals += 1
        await action(self._sandbox, server, member, rng, rec)

    async def run(self, rate: float, seconds: float, rec: Recorder) -> float:
        """Arrivals at `rate` per second for `seconds`; returns the seconds until the last
        one was answered."""
        tasks: list[asyncio.Task[None]] = []
        began = time.perf_counter()
        next_at = self._rng.expovariate(rate)
        while next_at < seconds:
            now = time.perf_counter() - began
            while next_at <= now and next_at < seconds:
                own = random.Random(self._rng.getrandbits(64))
                tasks.append(asyncio.create_task(self._arrival(rec, began + next_at, own)))
                next_at += self._rng.expovariate(rate)
            await asyncio.sleep(TICK)
        await asyncio.gather(*tasks)
        return time.perf_counter() - began
