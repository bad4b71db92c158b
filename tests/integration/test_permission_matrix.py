"""The permission matrix (issue 13, section 2): every command and button that changes shared
state, or shows another member's data, tried by three actors through the real bot:

- **member**: a member without the right (Sora: no role, no permission);
- **owner**: whoever the object is theirs (Hana hosts the party, created the poll, the bracket
  or the follow, owns the data; for `/config`, the server's owner);
- **admin**: a member with the permission the README's commands table names for it (Manage
  Server for `/config`, Manage Events for parties and follows, Manage Messages for polls,
  Administrator for the buttons that follow the server's command permissions).

A refusal must be private, say why, and leave every row of the database as it was (the whole
database is compared, caches of provider answers aside). An allowed action changes the rows the
README documents. `/config` has `default_member_permissions`, which the sandbox enforces like
Discord: the world lets everyone reach it (Server Settings > Integrations), so what refuses a
member below is the bot's own check, not Discord.

`CROSS_SERVER` then passes the id of one server's party, poll, bracket match, follow and plan
from another server, where the actor is an Administrator, and expects "no such … here" and
nothing changed in either server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources, open_resources
from sandbox import (
    ADMINISTRATOR,
    MANAGE_EVENTS,
    MANAGE_MESSAGES,
    InteractionResult,
    Sandbox,
    World,
)
from tests.integration.fake_providers import FakeProviders, settings_for
from tests.integration.test_parties import (
    NOW,
    SAT_8PM,
    custom_ids,
    delivered,
    edits_settled,
    party_of,
    ts,
)
from tests.support.clock import PacedClock

CLOY = "catalog:crash-landing-on-you"
GOBLIN = "catalog:guardian-the-lonely-and-great-god"
TORADORA = "catalog:toradora"
FRIEREN_ANILIST = 154587
SAT_9PM = SAT_8PM + timedelta(hours=1)
CACHES = frozenset({"title_cache", "search_cache", "bot_meta"})  # provider answers, not state

PARTY_REFUSAL = "Only the host (<@{owner}>) or a member with Manage Events can change "
POLL_REFUSAL = "Only the poll's creator or a member with Manage Messages can change or close it."
CONFIG_REFUSAL = "You need the **Manage Server** permission to do that."
FORGET_REFUSAL = "This confirmation is another member's, so it is not yours to press."
PLAN_REFUSAL = "This plan has expired or was already confirmed."
TASTE_REFUSAL = "Hana keeps their taste to themself."
WATCHPARTY_DENIED = (
    "This server lets only some members plan watch parties with /watchparty; ask a moderator."
)
POLL_DENIED = "This server lets only some members start polls with /poll; ask a moderator."


# -- the world and the bot ------------------------------------------------------------------------


@pytest.fixture
def world() -> World:
    world = World.default()  # K-Drama Club: mina (Manage Server), jun, sora
    club = world.guild("K-Drama Club")
    club.add_member("hana", global_name="Hana")
    club.add_member("boss", owner=True, global_name="Boss")
    club.add_member("evt", permissions=MANAGE_EVENTS, global_name="Event Admin")
    club.add_member("msg", permissions=MANAGE_MESSAGES, global_name="Message Admin")
    club.add_member("root", permissions=ADMINISTRATOR, global_name="Root")
    # Server Settings > Integrations: /config opened to everyone, so the bot alone must refuse.
    club.override_command_permissions("config")
    other = world.add_guild("Anime Club")
    other.add_text_channel("lounge")
    other.add_member("kaito", permissions=ADMINISTRATOR, global_name="Kaito")
    other.add_member("hana", user=club.member("hana").user)  # the same person, both servers
    other.override_command_permissions("config")
    return world


@pytest.fixture
def clock() -> PacedClock:
    return PacedClock(NOW)


@pytest.fixture
async def providers() -> AsyncIterator[FakeProviders]:
    fake = FakeProviders()
    first = NOW + timedelta(days=1, hours=13)
    fake.airings[FRIEREN_ANILIST] = {13 + w: ts(first + timedelta(weeks=w)) for w in range(4)}
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, providers: FakeProviders) -> Settings:
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


@pytest.fixture
async def resources(settings: Settings, clock: PacedClock) -> AsyncIterator[Resources]:
    async with open_resources(settings, clock=clock) as opened:
        yield opened


@dataclass
class M:
    """One running world: the bot, its database, the sandbox, and the two servers."""

    bot: WatchClubBot
    resources: Resources
    sandbox: Sandbox
    world: World
    clock: PacedClock

    @property
    def club(self) -> Any:
        return self.world.guild("K-Drama Club")

    @property
    def anime(self) -> Any:
        return self.world.guild("Anime Club")

    @property
    def general(self) -> Any:
        return self.club.channel("general")

    @property
    def lounge(self) -> Any:
        return self.anime.channel("lounge")

    def who(self, name: str) -> Any:
        return self.club.member(name)

    async def slash(self, actor: Any, command: str, **options: Any) -> InteractionResult:
        return await self.sandbox.slash(
            command, member=actor, channel=self.general, options=options
        )

    async def settle(self) -> None:
        await edits_settled(self.bot, self.resources, self.clock)

    async def value(self, sql: str, *args: object) -> Any:
        row = await self.resources.db.fetchone(sql, args)
        return None if row is None else row[0]


@pytest.fixture
async def m(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, world: World, clock: PacedClock
) -> M:
    matrix = M(bot, resources, sandbox, world, clock)
    for guild, channel in ((matrix.club, matrix.general), (matrix.anime, matrix.lounge)):
        saved = await sandbox.slash(
            "config timezone",
            member=guild.member("root" if guild is matrix.club else "kaito"),
            channel=channel,
            options={"zone": "Asia/Seoul"},
        )
        assert "Asia/Seoul" in json.dumps(saved.embeds), saved.content
    return matrix


async def snapshot(m: M) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the provider caches: what "nothing changed" compares."""
    tables = await m.resources.db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    found = {}
    for (name,) in tables:
        if name in CACHES:
            continue
        rows = await m.resources.db.fetchall(f'SELECT * FROM "{name}"')
        found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


def crafted(message: Any, custom_id: str) -> Any:
    """A click Discord itself would never send (a private message of someone else, or a
    custom_id the message does not carry): made possible for a crafted client by showing the
    message to all and adding a button with that custom_id."""
    message.visible_to = None
    if custom_id not in message.custom_ids():
        button = {"type": 2, "style": 2, "label": "crafted", "custom_id": custom_id}
        message.components = [*message.components[:4], {"type": 1, "components": [button]}]
    return message


def text_of(result: InteractionResult) -> str:
    return result.last_content or json.dumps(result.last_embeds)


# -- objects Hana owns ----------------------------------------------------------------------------


@dataclass
class Target:
    id: int = 0
    message: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


async def new_party(m: M, host: Any) -> Target:
    preview = await m.slash(
        host, "watchparty schedule", title="Crash Landing on You", when="sat 8pm"
    )
    [confirm, _] = custom_ids(preview.components)
    await m.sandbox.click(member=host, message=preview.message, custom_id=confirm)
    await delivered(m.bot, m.resources)
    announcement = [msg for msg in m.sandbox.messages(m.general) if msg.embeds][-1]
    await m.settle()
    return Target(party_of(announcement), announcement)


async def hanas_party(m: M) -> Target:
    return await new_party(m, m.who("hana"))


async def hanas_follow(m: M) -> Target:
    followed = await m.slash(m.who("hana"), "watchparty follow", title=f"anilist:{FRIEREN_ANILIST}")
    assert followed.embeds, followed.content
    assert followed.embeds[0]["title"].startswith("Following")
    await m.settle()
    follow_id = await m.value("SELECT max(id) FROM party_follows")
    return Target(int(follow_id))


async def hanas_poll(m: M) -> Target:
    hana = m.who("hana")
    await m.slash(hana, "poll create", question="Friday?", option1="Yes", option2="No")
    await m.settle()
    return Target(int(await m.value("SELECT max(id) FROM polls")))


async def hanas_bracket(m: M) -> Target:
    """A bracket of four, its two semi-finals open and voted on."""
    hana, jun = m.who("hana"), m.who("jun")
    await m.slash(hana, "poll bracket", name="Best of winter", titles="Alpha; Beta; Gamma; Delta")
    await m.settle()
    semis = await m.resources.db.fetchall(
        "SELECT id FROM polls WHERE bracket_id = (SELECT max(id) FROM poll_brackets) "
        "AND bracket_round = 0 ORDER BY id"
    )
    ids = [int(row[0]) for row in semis]
    for poll_id in ids:
        message = next(
            msg
            for msg in m.sandbox.messages(m.general)
            if f"poll:{poll_id}:vote:0" in msg.custom_ids()
        )
        await m.sandbox.click(member=jun, message=message, custom_id=f"poll:{poll_id}:vote:0")
    bracket = int(await m.value("SELECT max(id) FROM poll_brackets"))
    return Target(ids[0], extra={"semis": ids, "bracket": bracket})


async def hanas_closed_poll(m: M) -> Target:
    """A poll of Hana's that Jun voted on and Hana closed: its results carry the hand-off."""
    hana, jun = m.who("hana"), m.who("jun")
    target = await hanas_poll(m)
    message = next(
        msg
        for msg in m.sandbox.messages(m.general)
        if f"poll:{target.id}:vote:0" in msg.custom_ids()
    )
    await m.sandbox.click(member=jun, message=message, custom_id=f"poll:{target.id}:vote:0")
    await m.slash(hana, "poll close", poll=target.id)
    await m.settle()
    results = next(
        msg
        for msg in reversed(m.sandbox.messages(m.general))
        if f"poll:{target.id}:party:0" in msg.custom_ids()
    )
    return Target(target.id, results)


async def hanas_move_preview(m: M) -> Target:
    """Hana's party and her private preview of moving it: Confirm is hers alone."""
    party = await hanas_party(m)
    preview = await m.slash(m.who("hana"), "watchparty reschedule", party=party.id, when="sat 9pm")
    assert preview.message is not None, preview.content
    return Target(party.id, preview.message)


async def hanas_data(m: M) -> Target:
    """Hana and Sora each rated a title and put one on their watchlist here."""
    for name, title in (("hana", CLOY), ("sora", GOBLIN)):
        actor = m.who(name)
        await m.slash(actor, "rate", title=title, score=8)
        await m.slash(actor, "watchlist add", title=TORADORA)
    return Target()


async def hanas_forget_prompt(m: M) -> Target:
    await hanas_data(m)
    asked = await m.slash(m.who("hana"), "privacy forget-me")
    assert asked.message is not None, asked.content
    return Target(message=asked.message)


async def hanas_opted_in(m: M) -> Target:
    await hanas_data(m)
    await m.slash(m.who("hana"), "privacy taste-match", enabled=True)
    return Target()


async def nothing(m: M) -> Target:
    return Target()


def restricting(
    command: str, then: Callable[[M], Awaitable[Target]]
) -> Callable[[M], Awaitable[Target]]:
    """Server Settings > Integrations: `/command` denied to Sora, and to Root, whom being an
    Administrator lets through anyway (as Discord does)."""

    async def setup(m: M) -> Target:
        m.club.set_command_permissions(
            command, members={m.who("sora"): False, m.who("root"): False}
        )
        return await then(m)

    return setup


# -- how each action is performed -----------------------------------------------------------------


async def do_config_timezone(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "config timezone", zone="Asia/Tokyo")


async def do_config_channel(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "config channel", channel=m.club.channel("watch-parties"))


async def do_config_reminders(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "config reminders", lead_times="2h")


async def do_config_role(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "config role", role=m.club.role("Watch Party"))


async def do_config_show(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "config show")


async def do_reschedule(m: M, actor: Any, t: Target) -> InteractionResult:
    preview = await m.slash(actor, "watchparty reschedule", party=t.id, when="sat 9pm")
    if preview.message is None or not preview.components:
        return preview
    confirm = next(c for c in custom_ids(preview.components) if c.endswith(":confirm"))
    return await m.sandbox.click(member=actor, message=preview.message, custom_id=confirm)


async def do_cancel(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "watchparty cancel", party=t.id)


async def do_unfollow(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "watchparty unfollow", follow=t.id)


async def do_confirm_preview(m: M, actor: Any, t: Target) -> InteractionResult:
    draft = next(c for c in t.message.custom_ids() if c.endswith(":confirm"))
    message = t.message if actor.id == m.who("hana").id else crafted(t.message, draft)
    return await m.sandbox.click(member=actor, message=message, custom_id=draft)


async def do_rsvp(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.sandbox.click(
        member=actor, message=t.message, custom_id=f"party:{t.id}:rsvp:going"
    )


async def do_poll_close(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "poll close", poll=t.id)


async def do_poll_edit(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "poll edit", poll=t.id, question="Saturday instead?", duration="2h")


async def do_start_bracket(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(
        actor, "poll bracket", name="Best of spring", titles="One; Two; Three; Four"
    )


async def do_advance_bracket(m: M, actor: Any, t: Target) -> InteractionResult:
    """Close both semi-finals now: the final opens."""
    result = await m.slash(actor, "poll close", poll=t.extra["semis"][0])
    if not result.content.startswith("Poll #"):
        return result
    result = await m.slash(actor, "poll close", poll=t.extra["semis"][1])
    await m.settle()
    return result


async def _planned_from_form(m: M, actor: Any, opened: InteractionResult) -> InteractionResult:
    if opened.modal is None:
        return opened
    [when] = [
        field["custom_id"]
        for row in opened.modal["components"]
        for field in (row.get("components") or [row.get("component")])
        if field and field.get("label") == "When"
    ]
    return await m.sandbox.submit_modal(
        member=actor, custom_id=opened.modal["custom_id"], values={when: "sat 9pm"}
    )


async def do_handoff(m: M, actor: Any, t: Target) -> InteractionResult:
    opened = await m.sandbox.click(
        member=actor, message=t.message, custom_id=f"poll:{t.id}:party:0"
    )
    return await _planned_from_form(m, actor, opened)


async def _recommended_actions(m: M, actor: Any) -> tuple[Any, str]:
    result = await m.slash(actor, "recommend", mood="fantasy")
    menu = next(c for row in result.components for c in row["components"] if c["type"] == 3)
    first = menu["options"][0]["value"]
    chosen = await m.sandbox.select(
        member=actor, message=result.message, custom_id="rec:pick", values=[first]
    )
    return chosen.last_message, first


async def do_rec_versus(m: M, actor: Any, t: Target) -> InteractionResult:
    actions, title = await _recommended_actions(m, actor)
    return await m.sandbox.click(member=actor, message=actions, custom_id=f"rec:vs:{title}")


async def do_rec_party(m: M, actor: Any, t: Target) -> InteractionResult:
    actions, title = await _recommended_actions(m, actor)
    opened = await m.sandbox.click(member=actor, message=actions, custom_id=f"rec:wp:{title}")
    return await _planned_from_form(m, actor, opened)


async def do_forget_confirm(m: M, actor: Any, t: Target) -> InteractionResult:
    hana = m.who("hana")
    confirm = f"privacy:forget:{hana.id}:confirm"
    message = t.message if actor.id == hana.id else crafted(t.message, confirm)
    return await m.sandbox.click(member=actor, message=message, custom_id=confirm)


async def do_taste_of_hana(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "taste", member=m.who("hana"))


async def do_hanas_list(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "watchlist show", member=m.who("hana"))


async def do_export(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "privacy export")


async def do_notinterested(m: M, actor: Any, t: Target) -> InteractionResult:
    return await m.slash(actor, "notinterested", title=GOBLIN)


# -- what an allowed action must have changed -----------------------------------------------------

Before = dict[str, list[tuple[Any, ...]]]
Check = Callable[[M, Any, Target, InteractionResult, Before, Before], Awaitable[None]]


def rows_of(state: Before, table: str) -> list[tuple[Any, ...]]:
    return state[table]


def only_changed(before: Before, after: Before, *tables: str) -> None:
    """The action changed `tables` and, among the shared state, nothing else."""
    shared = set(before) - {
        "outbox",
        "outbox_files",
        "timers",
        "message_keys",
        "supersede_versions",
        "scheduled_events",
        "party_drafts",
        "event_mirroring",
    }
    for table in sorted(shared - set(tables)):
        assert after[table] == before[table], f"{table} changed"
    for table in tables:
        assert after[table] != before[table], f"{table} did not change"


async def guild_setting(m: M, column: str) -> Any:
    return await m.value(f"SELECT {column} FROM guild_settings WHERE guild_id = ?", int(m.club.id))


def setting_is(column: str, expected: Callable[[M], Any]) -> Check:
    async def check(
        m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
    ) -> None:
        assert await guild_setting(m, column) == expected(m)
        assert await guild_setting(m, "updated_by") == int(actor.id)
        only_changed(before, after, "guild_settings")

    return check


zone_saved = setting_is("timezone", lambda m: "Asia/Tokyo")
channel_saved = setting_is(
    "announcement_channel_id", lambda m: int(m.club.channel("watch-parties").id)
)
reminders_saved = setting_is("reminder_lead_minutes", lambda m: "[120]")
role_saved = setting_is("watch_party_role_id", lambda m: int(m.club.role("Watch Party").id))


async def settings_shown(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert "Asia/Seoul" in json.dumps(result.embeds)
    only_changed(before, after)


async def moved(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    starts = await m.value(
        "SELECT starts_at FROM party_sessions WHERE party_id = ? AND number = 1", t.id
    )
    assert starts == ts(SAT_9PM)
    assert "moved" in json.dumps(result.embeds).lower(), result.embeds
    only_changed(before, after, "party_sessions", "watch_parties")


async def cancelled(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.content.startswith("The party of **Crash Landing on You**"), result.content
    assert await m.value("SELECT cancelled_at FROM watch_parties WHERE id = ?", t.id) is not None
    only_changed(before, after, "watch_parties", "party_sessions")


async def unfollowed(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.content.startswith("Stopped following **Frieren"), result.content
    assert await m.value("SELECT stopped_at FROM party_follows WHERE id = ?", t.id) is not None
    only_changed(before, after, "party_follows")


async def poll_closed(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.content == f"Poll #{t.id} is closed; its results are being posted."
    assert await m.value("SELECT closed_by FROM polls WHERE id = ?", t.id) == int(actor.id)
    only_changed(before, after, "polls")


async def poll_edited(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.content.startswith(f"Poll #{t.id} is updated"), result.content
    assert await m.value("SELECT question FROM polls WHERE id = ?", t.id) == "Saturday instead?"
    only_changed(before, after, "polls")


async def bracket_started(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    """Anyone may start a bracket: it and its first matches are the starter's."""
    assert result.content.startswith("Bracket #"), result.content
    bracket = await m.value("SELECT max(id) FROM poll_brackets")
    assert await m.value("SELECT creator_id FROM poll_brackets WHERE id = ?", bracket) == int(
        actor.id
    )
    creators = await m.resources.db.fetchall(
        "SELECT DISTINCT creator_id FROM polls WHERE bracket_id = ?", (bracket,)
    )
    assert [row[0] for row in creators] == [int(actor.id)]
    only_changed(before, after, "poll_brackets", "polls", "poll_options")


async def bracket_advanced(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    finals = await m.value(
        "SELECT count(*) FROM polls WHERE bracket_id = ? AND bracket_round = 1", t.extra["bracket"]
    )
    assert finals == 1
    for semi in t.extra["semis"]:
        assert await m.value("SELECT closed_by FROM polls WHERE id = ?", semi) == int(actor.id)
    only_changed(before, after, "polls", "poll_options", "poll_brackets")


async def plan_is_actors(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    """A private preview of a plan, kept as the actor's own draft: nothing is posted yet."""
    assert result.ephemeral
    assert await m.value("SELECT count(*) FROM party_drafts") == len(before["party_drafts"]) + 1
    assert str(actor.id) in json.dumps(
        [tuple(r) for r in await m.resources.db.fetchall("SELECT * FROM party_drafts")]
    )
    only_changed(before, after)


async def versus_is_actors(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.last_content.startswith("Versus poll #"), result.last_content
    assert await m.value("SELECT creator_id FROM polls ORDER BY id DESC LIMIT 1") == int(actor.id)
    only_changed(before, after, "polls", "poll_options")


async def forgotten(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert [e.get("title") for e in result.embeds] == ["Forgotten in this server"]
    hana, sora = int(m.who("hana").id), int(m.who("sora").id)
    for table in ("taste_ratings", "taste_watchlist"):
        members = [r[1] for r in after[table]]
        assert hana not in members, table
        assert sora in members, table
    only_changed(before, after, "taste_ratings", "taste_watchlist")


async def taste_shown(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    shown = json.dumps(result.last_embeds) + result.last_content
    assert "taste" in shown.lower(), shown
    assert "keeps their taste" not in shown
    only_changed(before, after)


async def watchlist_shown(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    shown = json.dumps(result.embeds)
    assert "Toradora" in shown, shown
    only_changed(before, after)


async def own_export(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    assert result.message is not None
    [attachment] = result.message.attachments
    document = json.loads(m.sandbox.attachment_data(attachment))
    assert document["member_id"] == str(actor.id)
    mine = [r for r in before["taste_ratings"] if r[1] == int(actor.id)]
    assert [r["id"] for r in document["taste"]["ratings"]] == [r[2] for r in mine]
    only_changed(before, after)


async def own_rsvp(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    rows = {r[1]: r[2] for r in after["party_rsvps"] if r[0] == t.id}
    was = {r[1]: r[2] for r in before["party_rsvps"] if r[0] == t.id}
    assert rows.pop(int(actor.id)) == "going"
    was.pop(int(actor.id), None)
    assert rows == was  # nobody else's answer moved
    only_changed(before, after, "party_rsvps", "watch_parties")


async def own_not_interested(
    m: M, actor: Any, t: Target, result: InteractionResult, before: Before, after: Before
) -> None:
    added = set(after["taste_not_interested"]) - set(before["taste_not_interested"])
    assert [(r[1], r[2]) for r in added] == [(int(actor.id), GOBLIN)]
    assert set(before["taste_not_interested"]) <= set(after["taste_not_interested"])
    only_changed(before, after, "taste_not_interested")


# -- the matrix -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rights:
    """Who may: the member without the right, the admin (by name: the member holding the
    permission the README names), and the owner, who always may."""

    member_may: bool
    owner: str
    admin: str
    admin_may: bool
    refusal: str = ""  # how a refusal starts ({owner}: the owner's id)


@dataclass(frozen=True)
class How:
    setup: Callable[[M], Awaitable[Target]]
    perform: Callable[[M, Any, Target], Awaitable[InteractionResult]]
    check: Check  # what an allowed actor changed
    fresh: bool = True  # each allowed actor needs a new object (the last one was used up)


NO, YES = False, True
handoff_setup = restricting("watchparty", hanas_closed_poll)
no_poll_for_sora = restricting("poll", nothing)
no_party_for_sora = restricting("watchparty", nothing)
CONFIG, PARTY, POLL = CONFIG_REFUSAL, PARTY_REFUSAL, POLL_REFUSAL

# Who may do what (README, Commands). Owner: Hana owns the party, follow, poll, bracket, plan
# and data; "boss" owns the server. Admins: mina has Manage Server, evt Manage Events, msg
# Manage Messages, root Administrator. The member is always Sora, who has nothing.
# fmt: off
RIGHTS: dict[str, Rights] = {
    #                            member may, owner, admin, admin may, what a member reads
    "config timezone":           Rights(NO,  "boss", "mina", YES, CONFIG),
    "config channel":            Rights(NO,  "boss", "mina", YES, CONFIG),
    "config reminders":          Rights(NO,  "boss", "mina", YES, CONFIG),
    "config role":               Rights(NO,  "boss", "mina", YES, CONFIG),
    "config show":               Rights(NO,  "boss", "mina", YES, CONFIG),
    "watchparty reschedule":     Rights(NO,  "hana", "evt",  YES, PARTY),
    "watchparty cancel":         Rights(NO,  "hana", "evt",  YES, PARTY),
    "watchparty unfollow":       Rights(NO,  "hana", "evt",  YES, PARTY),
    "reschedule preview Confirm": Rights(NO, "hana", "evt",  NO,  PLAN_REFUSAL),
    "RSVP button":               Rights(YES, "hana", "evt",  YES),  # each for themselves
    "poll close":                Rights(NO,  "hana", "msg",  YES, POLL),
    "poll edit":                 Rights(NO,  "hana", "msg",  YES, POLL),
    "poll bracket (start)":      Rights(YES, "hana", "msg",  YES),  # anyone; it is theirs
    "bracket: close its matches": Rights(NO, "hana", "msg",  YES, POLL),
    "poll results hand-off":     Rights(NO,  "hana", "root", YES, WATCHPARTY_DENIED),
    "recommend: versus button":  Rights(NO,  "hana", "root", YES, POLL_DENIED),
    "recommend: party button":   Rights(NO,  "hana", "root", YES, WATCHPARTY_DENIED),
    "privacy forget-me Confirm": Rights(NO,  "hana", "mina", NO,  FORGET_REFUSAL),
    "taste member: (no opt-in)": Rights(NO,  "hana", "mina", NO,  TASTE_REFUSAL),
    "taste member: (opted in)":  Rights(YES, "hana", "mina", YES),
    "watchlist show member:":    Rights(YES, "hana", "mina", YES),  # documented: anyone
    "privacy export":            Rights(YES, "hana", "mina", YES),  # each their own
    "notinterested":             Rights(YES, "hana", "mina", YES),  # each their own
}

HOW: dict[str, How] = {
    "config timezone":           How(nothing, do_config_timezone, zone_saved),
    "config channel":            How(nothing, do_config_channel, channel_saved),
    "config reminders":          How(nothing, do_config_reminders, reminders_saved),
    "config role":               How(nothing, do_config_role, role_saved),
    "config show":               How(nothing, do_config_show, settings_shown),
    "watchparty reschedule":     How(hanas_party, do_reschedule, moved),
    "watchparty cancel":         How(hanas_party, do_cancel, cancelled),
    "watchparty unfollow":       How(hanas_follow, do_unfollow, unfollowed),
    "reschedule preview Confirm": How(hanas_move_preview, do_confirm_preview, moved),
    "RSVP button":               How(hanas_party, do_rsvp, own_rsvp, fresh=False),
    "poll close":                How(hanas_poll, do_poll_close, poll_closed),
    "poll edit":                 How(hanas_poll, do_poll_edit, poll_edited),
    "poll bracket (start)":      How(nothing, do_start_bracket, bracket_started, fresh=False),
    "bracket: close its matches": How(hanas_bracket, do_advance_bracket, bracket_advanced),
    "poll results hand-off":     How(handoff_setup, do_handoff, plan_is_actors, fresh=False),
    "recommend: versus button":  How(no_poll_for_sora, do_rec_versus, versus_is_actors),
    "recommend: party button":   How(no_party_for_sora, do_rec_party, plan_is_actors),
    "privacy forget-me Confirm": How(hanas_forget_prompt, do_forget_confirm, forgotten),
    "taste member: (no opt-in)": How(hanas_data, do_taste_of_hana, taste_shown, fresh=False),
    "taste member: (opted in)":  How(hanas_opted_in, do_taste_of_hana, taste_shown, fresh=False),
    "watchlist show member:":    How(hanas_data, do_hanas_list, watchlist_shown, fresh=False),
    "privacy export":            How(hanas_data, do_export, own_export, fresh=False),
    "notinterested":             How(hanas_data, do_notinterested, own_not_interested, fresh=False),
}
# fmt: on


@dataclass(frozen=True)
class Action:
    name: str
    rights: Rights
    how: How

    def __str__(self) -> str:
        return self.name


MATRIX = [Action(name, rights, HOW[name]) for name, rights in RIGHTS.items()]


def test_every_row_of_the_matrix_says_how_it_is_tried() -> None:
    assert list(HOW) == list(RIGHTS)


async def refused(m: M, row: Action, actor: Any, target: Target) -> None:
    await m.settle()
    before = await snapshot(m)
    result = await row.how.perform(m, actor, target)
    await m.settle()
    assert result.ephemeral, f"{actor.username}: the refusal is public"
    expected = row.rights.refusal.format(owner=m.who(row.rights.owner).id)
    assert text_of(result).startswith(expected), f"{actor.username}: {text_of(result)!r}"
    assert result.modal is None
    assert await snapshot(m) == before, f"{actor.username}'s refused {row} changed the database"


async def allowed(m: M, row: Action, actor: Any, target: Target) -> None:
    before = await snapshot(m)
    result = await row.how.perform(m, actor, target)
    await m.settle()
    assert result.ephemeral, f"{actor.username}: the answer is public"
    await row.how.check(m, actor, target, result, before, await snapshot(m))


@pytest.mark.parametrize("row", MATRIX, ids=str)
async def test_permission_matrix(m: M, row: Action) -> None:
    """Member, admin and owner in turn: refused privately with nothing changed, or the
    documented rows changed. An action that uses its object up (a party cancelled, a poll
    closed) gets a fresh one of the owner's for the next actor allowed."""
    rights, how = row.rights, row.how
    actors = (
        (m.who("sora"), rights.member_may),
        (m.who(rights.admin), rights.admin_may),
        (m.who(rights.owner), True),
    )
    target, used = await how.setup(m), False
    for actor, may in actors:
        if not may:
            await refused(m, row, actor, target)
            continue
        if used and how.fresh:
            target = await how.setup(m)
        await allowed(m, row, actor, target)
        used = True


# -- servers stay apart ---------------------------------------------------------------------------


@dataclass
class Theirs:
    """K-Drama Club's objects, all Hana's, whose ids are tried from the Anime Club."""

    party: Target
    follow: Target
    poll: Target
    bracket: Target
    preview: Target


async def from_lounge(m: M, actor: Any, command: str, **options: Any) -> InteractionResult:
    return await m.sandbox.slash(command, member=actor, channel=m.lounge, options=options)


async def click_in_lounge(m: M, actor: Any, custom_id: str) -> InteractionResult:
    """A click in the Anime Club on a button naming K-Drama Club's object: the bot's own
    private message there, crafted to carry that custom_id."""
    carrier = await from_lounge(m, actor, "poll list")
    assert carrier.message is not None
    return await m.sandbox.click(
        member=actor, message=crafted(carrier.message, custom_id), custom_id=custom_id
    )


NO_PARTY = "There is no watch party #{id} in this server."
NO_POLL = "There is no poll #{id} in this server."
NO_FOLLOW = "There is no follow #{id} in this server."

# (what is tried, who tries it from the Anime Club, how, the refusal: {id} is the object's id)
CROSS_SERVER: list[
    tuple[
        str,
        str,
        Callable[[M, Any, Theirs], Awaitable[InteractionResult]],
        str,
        Callable[[Theirs], int],
    ]
] = [
    (
        "watchparty info",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "watchparty info", party=t.party.id),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "watchparty reschedule",
        "kaito",
        lambda m, a, t: from_lounge(
            m, a, "watchparty reschedule", party=t.party.id, when="sat 9pm"
        ),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "watchparty cancel",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "watchparty cancel", party=t.party.id),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "watchparty cancel (as its host)",
        "hana",
        lambda m, a, t: from_lounge(m, a, "watchparty cancel", party=t.party.id),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "watchparty unfollow",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "watchparty unfollow", follow=t.follow.id),
        NO_FOLLOW,
        lambda t: t.follow.id,
    ),
    (
        "watchparty unfollow (as its host)",
        "hana",
        lambda m, a, t: from_lounge(m, a, "watchparty unfollow", follow=t.follow.id),
        NO_FOLLOW,
        lambda t: t.follow.id,
    ),
    (
        "poll close",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "poll close", poll=t.poll.id),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "poll close (as its creator)",
        "hana",
        lambda m, a, t: from_lounge(m, a, "poll close", poll=t.poll.id),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "poll edit",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "poll edit", poll=t.poll.id, duration="2h"),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "poll results",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "poll results", poll=t.poll.id),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "poll voters",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "poll voters", poll=t.poll.id),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "bracket match: poll close",
        "kaito",
        lambda m, a, t: from_lounge(m, a, "poll close", poll=t.bracket.id),
        NO_POLL,
        lambda t: t.bracket.id,
    ),
    (
        "RSVP button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"party:{t.party.id}:rsvp:going"),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "calendar button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"party:{t.party.id}:calendar"),
        NO_PARTY,
        lambda t: t.party.id,
    ),
    (
        "vote button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"poll:{t.poll.id}:vote:0"),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "bracket match: vote button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"poll:{t.bracket.id}:vote:0"),
        NO_POLL,
        lambda t: t.bracket.id,
    ),
    (
        "rank button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"poll:{t.poll.id}:rank"),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "results hand-off button",
        "kaito",
        lambda m, a, t: click_in_lounge(m, a, f"poll:{t.poll.id}:party:0"),
        NO_POLL,
        lambda t: t.poll.id,
    ),
    (
        "preview Confirm (its author's own)",
        "hana",
        lambda m, a, t: click_in_lounge(m, a, _draft(t, "confirm")),
        PLAN_REFUSAL,
        lambda t: 0,
    ),
    (
        "preview Change (its author's own)",
        "hana",
        lambda m, a, t: click_in_lounge(m, a, _draft(t, "change")),
        PLAN_REFUSAL,
        lambda t: 0,
    ),
]


def _draft(theirs: Theirs, action: str) -> str:
    return next(c for c in theirs.preview.message.custom_ids() if c.endswith(f":{action}"))


async def test_another_servers_ids_are_refused_and_change_nothing_in_either_server(m: M) -> None:
    hana = m.anime.member("hana")
    theirs = Theirs(
        party=await hanas_party(m),
        follow=await hanas_follow(m),
        poll=await hanas_poll(m),
        bracket=await hanas_bracket(m),
        preview=await hanas_move_preview(m),
    )
    # The Anime Club has objects of its own, so a wrong lookup would find something.
    for command, options in (
        ("poll create", {"question": "Ours?", "option1": "A", "option2": "B"}),
        ("watchparty schedule", {"title": "Frieren", "when": "sat 8pm"}),
    ):
        await from_lounge(m, hana, command, **options)
    await m.settle()
    before = await snapshot(m)
    for name, who, perform, refusal, object_id in CROSS_SERVER:
        result = await perform(m, m.anime.member(who), theirs)
        assert result.ephemeral, f"{name}: the refusal is public"
        assert result.modal is None, name
        expected = refusal.format(id=object_id(theirs))
        assert text_of(result).startswith(expected), f"{name}: {text_of(result)!r}"
        await m.settle()
        assert await snapshot(m) == before, f"{name} changed the database"
    # The autocomplete there offers none of the K-Drama Club's objects.
    kaito = m.anime.member("kaito")
    for command, option, theirs_id in (
        ("watchparty cancel", "party", theirs.party.id),
        ("watchparty unfollow", "follow", theirs.follow.id),
        ("poll close", "poll", theirs.poll.id),
        ("poll close", "poll", theirs.bracket.id),
    ):
        choices = await m.sandbox.autocomplete(
            command, member=kaito, channel=m.lounge, options={option: ""}, focused=option
        )
        assert theirs_id not in [c["value"] for c in choices], (command, choices)


async def test_a_members_data_stays_in_its_server(m: M) -> None:
    """Hana is a member of both servers: forgetting, exporting and showing her data in the
    Anime Club touches and shows only the Anime Club's."""
    hana, kaito = m.anime.member("hana"), m.anime.member("kaito")
    await hanas_data(m)  # in the K-Drama Club
    await from_lounge(m, hana, "rate", title=GOBLIN, score=3)
    club_rows = [r for r in (await snapshot(m))["taste_ratings"] if r[0] == int(m.club.id)]

    shown = await from_lounge(m, kaito, "watchlist show", member=hana)
    assert shown.ephemeral
    assert "Toradora" not in json.dumps(shown.embeds)
    exported = await from_lounge(m, hana, "privacy export")
    [attachment] = exported.message.attachments
    document = json.loads(m.sandbox.attachment_data(attachment))
    assert [r["id"] for r in document["taste"]["ratings"]] == [GOBLIN]
    assert document["taste"]["watchlist"] == []

    # Opting in to taste matching in one server opens her taste there only.
    await m.slash(m.who("hana"), "privacy taste-match", enabled=True)
    refused = await from_lounge(m, kaito, "taste", member=hana)
    assert refused.ephemeral
    assert refused.last_content.startswith(TASTE_REFUSAL), refused.last_content

    asked = await from_lounge(m, hana, "privacy forget-me")
    done = await m.sandbox.click(
        member=hana, message=asked.message, custom_id=f"privacy:forget:{hana.id}:confirm"
    )
    assert done.embeds[0]["title"] == "Forgotten in this server"
    after = (await snapshot(m))["taste_ratings"]
    assert [r for r in after if r[0] == int(m.club.id)] == club_rows
    assert [r for r in after if r[0] == int(m.anime.id)] == []
