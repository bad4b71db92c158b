"""Hostile input on every command, every autocomplete and every form (issue 13, section 1).

The commands, their options and each option's type, length, range, choices and autocomplete
flag are read from what the bot synced, so a new command or option is fuzzed without editing
this file. Each input must get:
- no unhandled error: the generic "Something went wrong on my side" reply never appears and the
  bot logs no ERROR;
- a private answer for every error (the error handler's reply is ephemeral);
- no ping: the messages it causes mention nobody (and conftest checks `allowed_mentions` on every
  request the bot made);
- no write when refused: a refused input leaves every table but the bot's bookkeeping (timers,
  outbox, metadata caches) untouched, seen through TEMP triggers on the bot's writer connection.

The default run sends a few thousand inputs; WATCHCLUB_LONG_FUZZ=1 (marker `fuzz_long`) runs the
same tests with at least 100,000 inputs in all. WATCHCLUB_FUZZ_SCALE multiplies the counts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.error_handler as error_handler
from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources, open_resources
from sandbox import Sandbox, World
from sandbox.interaction_state import InteractionResult
from sandbox.messages import StoredMessage
from tests.support.clock import PacedClock
from tests.support.hostile import (
    BOOKKEEPING,
    BOOLEAN,
    CHANNEL,
    DISCORD_STRING_LIMIT,
    INTEGER,
    MAX_SAFE_INTEGER,
    ROLE,
    STRING,
    Leaf,
    Targets,
    WriteLog,
    autocomplete_options,
    command_inputs,
    fit,
    hostile_text,
    leaf_commands,
    modal_text_fields,
    text_for,
)
from tests.support.settings import sandbox_settings

LONG = os.environ.get("WATCHCLUB_LONG_FUZZ") == "1"
SCALE = float(os.environ.get("WATCHCLUB_FUZZ_SCALE", "1"))
# Inputs per test: the default run's, and the long run's (102,000 in all).
DEFAULT_COUNTS = {"slash": 1200, "autocomplete": 800, "modal": 300}
LONG_COUNTS = {"slash": 60_000, "autocomplete": 30_000, "modal": 12_000}
GENERIC_FAILURE = "Something went wrong on my side"
_LOOKS_LIKE_ERROR = re.compile(
    r"\b(can't|cannot|couldn't|isn't|not a valid|invalid|unknown|no such|try again|error)\b",
    re.IGNORECASE,
)
# What must never reach a member: Python's own words for a failure.
_INTERNALS = re.compile(r"Traceback|Exception|Error\(|sqlite3|NoneType|KeyError|ValueError")


def _internals_shown(refusal: str, typed: list[str]) -> list[str]:
    """Python's words in `refusal`, except those that lie wholly inside a quote of what the
    member typed: a refusal may quote the input ("`sqlite3` is not a timezone I know"), and that
    is no leak, but a `KeyError(…)` beside it still is, whatever letters the input shares."""
    quoted = [
        quote.span()
        for value in typed
        if value
        for quote in re.finditer(re.escape(value), refusal, flags=re.IGNORECASE)
    ]
    return [
        found.group()
        for found in _INTERNALS.finditer(refusal)
        if not any(start <= found.start() and found.end() <= end for start, end in quoted)
    ]


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")


def _fuzz(kind: str, *, long: bool = False) -> settings:
    count = (LONG_COUNTS if long else DEFAULT_COUNTS)[kind]
    return settings(
        max_examples=max(1, int(count * SCALE)),
        deadline=None,
        database=None,
        derandomize=not long,  # the default run sees the same inputs each time; the long explores
        suppress_health_check=list(HealthCheck),
    )


def _long_run(test: Any) -> Any:
    """Outside the default run: `WATCHCLUB_LONG_FUZZ=1 pytest -m fuzz_long …`."""
    test = pytest.mark.timeout(3 * 3600)(test)
    test = pytest.mark.skipif(not LONG, reason="the long fuzz run needs WATCHCLUB_LONG_FUZZ=1")(
        test
    )
    return pytest.mark.fuzz_long(test)


@pytest.fixture
def world() -> World:
    world = World.default()
    other = world.add_guild("Other Club")
    other.add_text_channel("lounge")
    other.add_role("Other Role", mentionable=True)
    other.add_member("rui", permissions=0x20, global_name="Rui")
    return world


@pytest.fixture(name="settings")
def offline_settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    # The built-in catalog only: no provider is asked, so an input costs one round trip.
    return sandbox_settings(sandbox, tmp_path / "watchclub.sqlite3", offline=True)


@pytest.fixture
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    """The bot's clock stands still (monotonic time runs, so the outbox paces its sends): no
    poll closes and no reminder falls due in the middle of the fuzz, so every write seen
    during an input is that input's own."""
    async with open_resources(settings, clock=PacedClock(datetime.now(UTC))) as opened:
        yield opened


@dataclass
class Stats:
    inputs: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    answered: Counter[str] = field(default_factory=Counter)
    wrote: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class Arena:
    """The running bot, a second server with its own party and poll, and the checks."""

    bot: WatchClubBot
    sandbox: Sandbox
    resources: Resources
    world: World
    caplog: pytest.LogCaptureFixture
    writes: WriteLog
    targets: Targets
    leaves: list[Leaf]
    refusals: list[str] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    seen_logs: int = 0
    tried: set[str] = field(default_factory=set)
    modals: dict[str, Callable[[], Awaitable[InteractionResult]]] = field(default_factory=dict)

    @property
    def club(self) -> Any:
        return self.world.guild("K-Drama Club")

    async def settle(self) -> None:
        await self.bot.services.outbox.drain()
        await self.bot.services.timers.settle()
        await self.resources.tasks.wait_idle()

    async def run(
        self,
        label: str,
        kind: str,
        act: Callable[[], Awaitable[InteractionResult]],
        *,
        typed: Iterable[object] = (),
        must_refuse: bool = False,
    ) -> InteractionResult:
        await self.writes.take()
        refused_before = len(self.refusals)
        started = time.perf_counter()
        result = await act()
        await self.settle()
        self.stats.seconds += time.perf_counter() - started
        written = await self.writes.take() - BOOKKEEPING
        refusals = self.refusals[refused_before:]
        self.stats.inputs[kind] += 1
        self._check(label, result, refusals, written, [str(v) for v in typed])
        assert refusals or not must_refuse, f"{label} was not refused: {result.content!r}"
        (self.stats.refused if refusals else self.stats.answered)[kind] += 1
        if written:
            self.stats.wrote[kind] += 1
        return result

    def _messages(self, result: InteractionResult) -> list[StoredMessage]:
        return [m for m in [result.message, *result.followups] if m is not None]

    def _check(
        self,
        label: str,
        result: InteractionResult,
        refusals: list[str],
        written: set[str],
        typed: list[str],
    ) -> None:
        texts = [result.content, *(m.content for m in self._messages(result))]
        assert not any(GENERIC_FAILURE in t for t in texts), f"{label}: unhandled error: {texts}"
        self.check_new_logs(label)
        assert not self.sandbox.internal_errors, self.sandbox.internal_errors
        for message in self._messages(result):
            assert not message.mention_everyone, f"{label} pinged everyone: {message.content!r}"
            assert message.mention_roles == [], f"{label} pinged roles: {message.content!r}"
            assert message.mentions == [], f"{label} pinged members: {message.content!r}"
        for message in self._messages(result):
            if not message.ephemeral and not message.embeds:
                assert not _LOOKS_LIKE_ERROR.search(message.content), (
                    f"{label}: a public reply that reads like an error: {message.content!r}"
                )
        for refusal in refusals:
            assert len(refusal) >= 20, f"{label}: an unclear refusal: {refusal!r}"
            shown = _internals_shown(refusal, typed)
            assert not shown, f"{label}: internals shown ({shown}): {refusal!r}"
            told = [m for m in self._messages(result) if m.content == refusal]
            assert told, f"{label}: the refusal {refusal!r} was not shown ({texts})"
            assert all(m.ephemeral for m in told), f"{label}: a public error: {refusal!r}"
        if refusals:
            assert not written, f"{label} was refused ({refusals[0]!r}) but wrote {written}"

    def check_new_logs(self, label: str) -> None:
        records = self.caplog.records
        errors = [r for r in records[self.seen_logs :] if r.levelno >= logging.ERROR]
        self.seen_logs = len(records)
        assert not errors, f"{label}: the bot logged {[r.getMessage() for r in errors]}"

    def check_log_tail(self) -> None:
        errors = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        assert not errors, [r.getMessage() for r in errors]


def _actor_for(arena: Arena, leaf: Leaf, draw: Callable[[Any], Any]) -> tuple[Any, Any]:
    club = arena.club
    if leaf.dm_allowed and draw(st.integers(0, 9)) == 0:
        user = club.member(draw(st.sampled_from(["jun", "sora"]))).user
        return user, None
    if leaf.needs_permissions:
        member = club.member("mina")
    else:
        member = club.member(draw(st.sampled_from(["mina", "jun", "sora"])))
    return member, club.channel(draw(st.sampled_from(["general", "watch-parties"])))


async def _ids(resources: Resources, table: str, guild_id: str) -> list[int]:
    rows = await resources.db.fetchall(f"SELECT id FROM {table} WHERE guild_id = ?", (guild_id,))
    return [int(row["id"]) for row in rows]


async def _party(sandbox: Sandbox, member: Any, channel: Any, title: str) -> None:
    preview = await sandbox.slash(
        "watchparty schedule",
        member=member,
        channel=channel,
        options={"title": title, "when": "fri 8pm"},
    )
    assert preview.message is not None, preview.content
    [confirm] = [c for c in preview.message.custom_ids() if c.endswith(":confirm")]
    done = await sandbox.click(member=member, message=preview.message, custom_id=confirm)
    assert "error" not in done.content.casefold(), done.content


@pytest.fixture
async def arena(
    bot: WatchClubBot,
    sandbox: Sandbox,
    resources: Resources,
    world: World,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Arena]:
    caplog.set_level(logging.WARNING)
    club, other = world.guild("K-Drama Club"), world.guild("Other Club")
    general, lounge = club.channel("general"), other.channel("lounge")
    rui = other.member("rui")
    for member, channel in [*((club.member(n), general) for n in ("mina", "jun", "sora"))]:
        await sandbox.slash("timezone", member=member, channel=channel, options={"zone": "UTC"})
    await sandbox.slash("timezone", member=rui, channel=lounge, options={"zone": "Asia/Seoul"})
    # Another server's party and poll: their ids are offered to this server's commands.
    await _party(sandbox, rui, lounge, "Frieren")
    await sandbox.slash(
        "poll create",
        member=rui,
        channel=lounge,
        options={"question": "Other server?", "option1": "Goblin", "option2": "Frieren"},
    )
    await _party(sandbox, club.member("mina"), general, "Goblin")
    await sandbox.slash(
        "poll create",
        member=club.member("jun"),
        channel=general,
        options={"question": "Ours?", "option1": "Goblin", "option2": "Frieren"},
    )
    foreign = [
        *await _ids(resources, "watch_parties", other.id),
        *await _ids(resources, "polls", other.id),
    ]
    own = [
        *await _ids(resources, "watch_parties", club.id),
        *await _ids(resources, "polls", club.id),
    ]
    assert len(foreign) == 2, foreign
    targets = Targets(
        members=[club.member(n) for n in ("mina", "jun", "sora")],
        strangers=[rui.user],
        channels=list(club.channels),
        roles=[*club.roles, club.everyone_role],
        own_ids=own,
        foreign_ids=foreign,
    )
    writes = WriteLog(resources.db)
    await writes.install()
    made = Arena(
        bot=bot,
        sandbox=sandbox,
        resources=resources,
        world=world,
        caplog=caplog,
        writes=writes,
        targets=targets,
        leaves=leaf_commands(sandbox.synced_commands()),
    )
    describe = error_handler.describe_error

    def recording(error: BaseException) -> error_handler.ErrorReply:
        reply = describe(error)
        made.refusals.append(reply.content)
        return reply

    monkeypatch.setattr(error_handler, "describe_error", recording)
    yield made
    made.check_log_tail()
    for channel in [*club.channels, *other.channels]:
        for message in sandbox.messages(channel):
            assert GENERIC_FAILURE not in message.content
            assert not message.mention_everyone, message.content
            assert message.mention_roles == [], message.content


def _report(arena: Arena, kind: str, targets: int) -> None:
    """The figures docs/reliability.md quotes (shown with -s). Every command, autocomplete and
    form is also sent once for sure by the edge test below; the random draws cover most."""
    count = arena.stats.inputs[kind]
    per_thousand = arena.stats.seconds / max(count, 1) * 1000
    stats = arena.stats
    print(
        f"\n[fuzz] {kind}: {count} inputs over {len(arena.tried)} of {targets} targets, "
        f"{stats.refused[kind]} refused, {stats.answered[kind]} answered "
        f"({stats.wrote[kind]} wrote), {per_thousand:.1f} s per 1,000 inputs"
    )


# -- slash commands ------------------------------------------------------------------------------


@pytest.fixture
async def slash_arena(arena: Arena) -> AsyncIterator[Arena]:
    yield arena
    _report(arena, "slash", len(arena.leaves))


@_fuzz("slash")
@given(data=st.data())
async def test_every_slash_command_takes_hostile_options(slash_arena: Arena, data: st.DataObject):
    await _slash_input(slash_arena, data)


@_long_run
@_fuzz("slash", long=True)
@given(data=st.data())
async def test_every_slash_command_long_run(slash_arena: Arena, data: st.DataObject):
    await _slash_input(slash_arena, data)


async def _slash_input(arena: Arena, data: st.DataObject) -> None:
    leaf = data.draw(st.sampled_from(arena.leaves), label="command")
    options = command_inputs(leaf, arena.targets, data.draw)
    actor, channel = _actor_for(arena, leaf, data.draw)
    label = f"/{leaf.path} {options!r}"
    arena.tried.add(leaf.path)
    await arena.run(
        label,
        "slash",
        lambda: arena.sandbox.slash(leaf.path, member=actor, channel=channel, options=options),
        typed=options.values(),
        must_refuse=_names_a_foreign_object(leaf, options, arena.targets),
    )


def _names_a_foreign_object(leaf: Leaf, options: dict[str, Any], targets: Targets) -> bool:
    """An id option (an integer picked from suggestions) holding another server's object's id:
    the objects' ids here never take those numbers, so the command must refuse it."""
    return any(
        leaf.option(name)["type"] == INTEGER
        and leaf.option(name).get("autocomplete")
        and value in targets.foreign_ids
        for name, value in options.items()
    )


# -- autocomplete ------------------------------------------------------------------------------


@pytest.fixture
async def autocomplete_arena(arena: Arena) -> AsyncIterator[Arena]:
    yield arena
    _report(arena, "autocomplete", len(list(autocomplete_options(arena.leaves))))


def _typed(option: dict[str, Any]) -> st.SearchStrategy[str]:
    """What a member may have typed so far: anything up to the option's length."""
    high = int(option.get("max_length", 6000)) if option["type"] == STRING else 30
    digits = st.integers(-MAX_SAFE_INTEGER * 4, MAX_SAFE_INTEGER * 4).map(str)
    return st.one_of(hostile_text, digits, text_for(0, high)).map(lambda text: fit(text, 0, high))


@_fuzz("autocomplete")
@given(data=st.data())
async def test_every_autocomplete_takes_hostile_typing(
    autocomplete_arena: Arena, data: st.DataObject
):
    await _autocomplete_input(autocomplete_arena, data)


@_long_run
@_fuzz("autocomplete", long=True)
@given(data=st.data())
async def test_every_autocomplete_long_run(autocomplete_arena: Arena, data: st.DataObject):
    await _autocomplete_input(autocomplete_arena, data)


async def _autocomplete_input(arena: Arena, data: st.DataObject) -> None:
    every = list(autocomplete_options(arena.leaves))
    leaf, option = data.draw(st.sampled_from(every), label="option")
    others = {
        name: value
        for name, value in command_inputs(leaf, arena.targets, data.draw).items()
        if name != option["name"] and not (leaf.option(name).get("autocomplete"))
    }
    typed = data.draw(_typed(option), label="typed")
    actor, channel = _actor_for(arena, leaf, data.draw)
    arena.tried.add(f"{leaf.path} {option['name']}")
    label = f"/{leaf.path} typing {option['name']}={typed!r} with {others!r}"
    await arena.writes.take()
    started = time.perf_counter()
    choices = await arena.sandbox.autocomplete(
        leaf.path,
        member=actor,
        channel=channel,
        options={**others, option["name"]: typed},
        focused=option["name"],
    )
    arena.stats.seconds += time.perf_counter() - started
    arena.stats.inputs["autocomplete"] += 1
    arena.stats.answered["autocomplete"] += 1
    assert len(choices) <= 25, label
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100, f"{label}: {choice}"
        value = choice["value"]
        if option["type"] == STRING:
            assert isinstance(value, str), f"{label}: {choice}"
            assert 1 <= len(value) <= 100, f"{label}: {choice}"
        else:
            assert isinstance(value, int), f"{label}: {choice}"
            assert not isinstance(value, bool), f"{label}: {choice}"
            low = option.get("min_value", -MAX_SAFE_INTEGER)
            assert low <= value <= option.get("max_value", MAX_SAFE_INTEGER), f"{label}: {choice}"
    assert await arena.writes.take() <= BOOKKEEPING, f"{label} wrote while suggesting"
    arena.check_new_logs(label)


# -- forms (modals) ------------------------------------------------------------------------------


def _opened(result: InteractionResult, what: str) -> dict[str, Any]:
    assert result.modal is not None, f"{what} opened no form: {result.content!r}"
    return result.modal


async def _poll_message(arena: Arena, channel: Any, suffix: str) -> StoredMessage:
    for _ in range(200):
        await arena.bot.services.timers.fire_due()
        await arena.settle()
        for message in reversed(arena.sandbox.messages(channel)):
            if any(c.endswith(suffix) for c in message.custom_ids()):
                return message
        await asyncio.sleep(0.02)
    raise AssertionError(f"no message in #{channel.name} has a {suffix} button")


@pytest.fixture
async def modal_arena(arena: Arena) -> AsyncIterator[Arena]:
    """Every form the bot can open, each with the button that opens it again."""
    sandbox, club = arena.sandbox, arena.club
    mina, jun, sora = club.member("mina"), club.member("jun"), club.member("sora")
    general = club.channel("general")

    # The watch-party plan's Change form.
    preview = await sandbox.slash(
        "watchparty schedule",
        member=mina,
        channel=general,
        options={"title": "Goblin", "when": "sat 9pm"},
    )
    assert preview.message is not None, preview.content
    [change] = [c for c in preview.message.custom_ids() if c.endswith(":change")]
    arena.modals["party change"] = lambda: sandbox.click(
        member=mina, message=preview.message, custom_id=change
    )

    # A ranked poll's Rank form.
    await sandbox.slash(
        "poll create",
        member=jun,
        channel=general,
        options={
            "question": "Rank these",
            "option1": "Goblin",
            "option2": "Frieren",
            "option3": "Signal",
            "ranked": True,
        },
    )
    ranked = await _poll_message(arena, general, ":rank")
    [rank] = [c for c in ranked.custom_ids() if c.endswith(":rank")]
    arena.modals["poll rank"] = lambda: sandbox.click(member=sora, message=ranked, custom_id=rank)

    # The poll results' "Schedule a watch party" form.
    await sandbox.slash(
        "poll create",
        member=jun,
        channel=general,
        options={"question": "Which first?", "option1": "Goblin", "option2": "Frieren"},
    )
    plain = await _poll_message(arena, general, ":vote:0")
    poll_id = plain.custom_ids()[0].split(":")[1]
    await sandbox.click(member=mina, message=plain, custom_id=f"poll:{poll_id}:vote:0")
    await sandbox.slash("poll close", member=jun, channel=general, options={"poll": int(poll_id)})
    results = await _poll_message(arena, general, ":party:0")
    arena.modals["poll handoff"] = lambda: sandbox.click(
        member=jun, message=results, custom_id=f"poll:{poll_id}:party:0"
    )

    # The quick-rate form of a cold /recommend.
    cold = await sandbox.slash("recommend", member=sora, channel=general)
    assert "rec:quick" in cold.message.custom_ids() if cold.message else False, cold.content
    arena.modals["quick rate"] = lambda: sandbox.click(
        member=sora, message=cold.message, custom_id="rec:quick"
    )

    # The recommendation's "watch party" form.
    picks = await sandbox.slash(
        "recommend", member=mina, channel=general, options={"mood": "fantasy"}
    )
    assert picks.message is not None, picks.content
    pick = next(
        o["value"]
        for row in picks.components
        for item in row["components"]
        if item.get("custom_id") == "rec:pick"
        for o in item["options"]
    )
    chosen = await sandbox.select(
        member=mina, message=picks.message, custom_id="rec:pick", values=[pick]
    )
    chosen_message = chosen.last_message
    arena.modals["recommend party"] = lambda: sandbox.click(
        member=mina, message=chosen_message, custom_id=f"rec:wp:{pick}"
    )
    for name, opener in arena.modals.items():
        _opened(await opener(), name)
    await arena.writes.take()
    yield arena
    _report(arena, "modal", len(arena.modals))


# Who opens each form (the same member submits it).
_FORM_MEMBERS = {
    "party change": "mina",
    "poll rank": "sora",
    "poll handoff": "jun",
    "quick rate": "sora",
    "recommend party": "mina",
}


def _field_values(field_: dict[str, Any]) -> st.SearchStrategy[str]:
    high = int(field_.get("max_length", 4000))
    if not field_.get("required", True):
        # Left blank half the time, so the other fields' values get past the whole form's checks.
        return st.one_of(st.just(""), text_for(0, high))
    return text_for(max(int(field_.get("min_length", 0)), 1), high)


@_fuzz("modal")
@given(data=st.data())
async def test_every_form_takes_hostile_fields(modal_arena: Arena, data: st.DataObject):
    await _form_input(modal_arena, data)


@_long_run
@_fuzz("modal", long=True)
@given(data=st.data())
async def test_every_form_long_run(modal_arena: Arena, data: st.DataObject):
    await _form_input(modal_arena, data)


async def _form_input(arena: Arena, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(arena.modals)), label="form")
    opened = await arena.modals[name]()
    if opened.modal is None:
        # The quick-rate form runs out of titles once the member has rated them all.
        assert name == "quick rate", f"{name}: {opened.content!r}"
        assert "error code" not in opened.content
        return
    modal = opened.modal
    values = {f["custom_id"]: data.draw(_field_values(f)) for f in modal_text_fields(modal)}
    arena.tried.add(name)
    member = _FORM_MEMBERS[name]
    await arena.run(
        f"form {name} {values!r}",
        "modal",
        lambda: arena.sandbox.submit_modal(
            member=arena.club.member(member),
            custom_id=modal["custom_id"],
            values=values,
            channel=arena.club.channel("general"),
        ),
        typed=values.values(),
    )


# -- the edges Discord lets through, once each -----------------------------------------------------


def _plain_value(option: dict[str, Any], arena: Arena) -> Any:
    choices = [c["value"] for c in option.get("choices") or []]
    if choices:
        return choices[0]
    kind = option["type"]
    if kind == STRING:
        return fit("Frieren", int(option.get("min_length", 0)), int(option.get("max_length", 6000)))
    if kind == INTEGER:
        return int(option.get("min_value", 1))
    if kind == BOOLEAN:
        return False
    if kind == CHANNEL:
        allowed = option.get("channel_types")
        return next(c for c in arena.targets.channels if not allowed or c.type in allowed)
    if kind == ROLE:
        return arena.targets.roles[0]
    return arena.targets.members[0]


async def test_the_longest_and_widest_values_discord_allows_reach_every_option(arena: Arena):
    """Each option once with the longest text it takes (6,000 characters where it declares no
    limit) and each number at both ends of its range; one past either edge is refused by Discord
    (the sandbox raises before the bot sees it)."""
    sandbox, mina, general = arena.sandbox, arena.club.member("mina"), arena.club.channel("general")
    edges = 0
    for leaf in arena.leaves:
        required = {o["name"]: _plain_value(o, arena) for o in leaf.options if o.get("required")}
        for option in leaf.options:
            name, kind = option["name"], option["type"]
            if option.get("choices") or kind not in (STRING, INTEGER):
                continue
            if kind == STRING:
                high = int(option.get("max_length", DISCORD_STRING_LIMIT))
                inside = [("@everyone ```'; DROP TABLE polls;--\u200b " * 200)[:high]]
                outside: list[Any] = ["x" * (high + 1)]
                if "max_length" not in option:
                    assert high == DISCORD_STRING_LIMIT
            else:
                low = int(option.get("min_value", -MAX_SAFE_INTEGER))
                high = int(option.get("max_value", MAX_SAFE_INTEGER))
                inside, outside = [low, high], [low - 1, high + 1]
            for value in outside:
                with pytest.raises(ValueError, match=r"characters|between"):
                    await sandbox.slash(
                        leaf.path, member=mina, channel=general, options={**required, name: value}
                    )
            for value in inside:
                edges += 1
                await arena.run(
                    f"/{leaf.path} {name}={str(value)[:40]!r}…",
                    "edge",
                    lambda given={**required, name: value}, path=leaf.path: sandbox.slash(
                        path, member=mina, channel=general, options=given
                    ),
                    typed=[value, *required.values()],
                )
    assert edges >= 50, edges
    # Every command once with only its required options, plainly filled.
    for leaf in arena.leaves:
        required = {o["name"]: _plain_value(o, arena) for o in leaf.options if o.get("required")}
        await arena.run(
            f"/{leaf.path} {required!r}",
            "edge",
            lambda leaf=leaf, required=required: sandbox.slash(
                leaf.path, member=mina, channel=general, options=required
            ),
            must_refuse=_names_a_foreign_object(leaf, required, arena.targets),
        )
    # Every id option with each of the other server's ids: refused, nothing written.
    foreign = 0
    for leaf in arena.leaves:
        required = {o["name"]: _plain_value(o, arena) for o in leaf.options if o.get("required")}
        for option in leaf.options:
            if option["type"] != INTEGER or not option.get("autocomplete"):
                continue
            for other_id in arena.targets.foreign_ids:
                foreign += 1
                given = {**required, option["name"]: other_id}
                await arena.run(
                    f"/{leaf.path} {given!r} (another server's id)",
                    "edge",
                    lambda leaf=leaf, given=given: sandbox.slash(
                        leaf.path, member=mina, channel=general, options=given
                    ),
                    must_refuse=True,
                )
    assert foreign >= 8, foreign
    # Every autocomplete once with hostile typing.
    for leaf, option in autocomplete_options(arena.leaves):
        high = int(option.get("max_length", DISCORD_STRING_LIMIT))
        choices = await sandbox.autocomplete(
            leaf.path,
            member=mina,
            channel=general,
            options={option["name"]: fit("@everyone '; DROP TABLE polls;-- \u200b" * 200, 0, high)},
            focused=option["name"],
        )
        assert len(choices) <= 25
        assert all(1 <= len(choice["name"]) <= 100 for choice in choices), choices
    arena.check_new_logs("autocomplete edges")
    assert await arena.writes.take() <= BOOKKEEPING
    autocompletes = len(list(autocomplete_options(arena.leaves)))
    print(f"\n[fuzz] edges: {arena.stats.inputs['edge'] + autocompletes} inputs")


async def test_the_checks_see_a_write_and_a_refusal(arena: Arena):
    """The write log and the refusal record work, so a silent pass would be a real pass."""
    sora, general = arena.club.member("sora"), arena.club.channel("general")
    await arena.writes.take()
    saved = await arena.sandbox.slash(
        "timezone", member=sora, channel=general, options={"zone": "Asia/Seoul"}
    )
    assert "Asia/Seoul" in str(saved.embeds)
    assert "member_settings" in await arena.writes.take()
    before = len(arena.refusals)
    refused = await arena.sandbox.slash(
        "timezone", member=sora, channel=general, options={"zone": "Mars/Olympus"}
    )
    assert refused.ephemeral
    assert arena.refusals[before:] == [refused.content]
    assert await arena.writes.take() == set()


def test_a_refusal_may_quote_what_the_member_typed_but_no_other_internals() -> None:
    """Found by the long run: `/timezone zone:sqlite3` is refused with "`sqlite3` is not a
    timezone I know", which quotes the member and leaks nothing."""
    quoting = "`sqlite3` is not a timezone I know. Use an IANA name such as `Asia/Seoul`."
    assert _internals_shown(quoting, ["sqlite3"]) == []
    assert _internals_shown(quoting, ["Asia/Seoul"]) == ["sqlite3"]
    leaking = "Could not save: KeyError('poll') in sqlite3"
    assert _internals_shown(leaking, ["poll"]) == ["KeyError", "sqlite3"]
    assert _internals_shown(leaking, ["KeyError"]) == ["sqlite3"]
    assert _internals_shown("`sqlite3`: KeyError('x')", ["sqlite3"]) == ["KeyError"]
    # A short input quoted nowhere whole does not hide a word it shares letters with.
    assert _internals_shown("KeyError('x') in sqlite3", ["r", "3", "e"]) == ["KeyError", "sqlite3"]
