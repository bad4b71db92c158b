"""/watchparty through the real bot and the sandbox, on a clock the tests move: what members
see when they plan a party, answer it, are reminded of it, and when it moves or is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.client import SyncMode, WatchClubBot, create_bot
from bot.config import Settings
from bot.outbox.worker import MIRROR_OFF_AT_CAP, MIRROR_OFF_NO_PERMISSION
from bot.parties.announcement import EDIT_SPACING
from bot.resources import Resources, open_resources
from sandbox import CREATE_EVENTS, MANAGE_EVENTS, Sandbox, World
from sandbox.testing import start_client
from tests.support.clock import PacedClock
from tests.support.waiting import eventually

SEOUL = ZoneInfo("Asia/Seoul")


def _next_friday() -> date:
    """The next Friday after today's real date: the sandbox checks on the real clock that an
    event starts in the future, so the fake clock starts ahead of it."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


FRIDAY = _next_friday()
NOW = datetime.combine(FRIDAY, dt_time(1, 0), UTC)  # Fri 10:00 KST
FRI_8PM = datetime.combine(FRIDAY, dt_time(20, 0), SEOUL)
SAT_8PM = FRI_8PM + timedelta(days=1)
SAT_9PM = SAT_8PM + timedelta(hours=1)
FRI_LABEL = f"Fri {FRIDAY.day} {FRIDAY:%b} 20:00 KST"  # how autocomplete names Friday 8pm
TITLE = "Crash Landing on You"


@pytest.fixture
def clock() -> PacedClock:
    return PacedClock(NOW)


@pytest.fixture
async def resources(settings: Settings, clock: PacedClock) -> AsyncIterator[Resources]:
    async with open_resources(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
def world() -> World:
    world = World.default()
    club = world.guild("K-Drama Club")
    club.add_voice_channel("Theater")
    club.add_member("hana", global_name="Hana")
    club.add_member("tae", global_name="Tae")
    club.add_member("mod", permissions=MANAGE_EVENTS, global_name="Mod")
    other = world.add_guild("Anime Club")
    other.add_text_channel("lounge")
    other.add_member("yuki", global_name="Yuki")
    return world


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


def fields(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


def custom_ids(components: list[dict[str, Any]]) -> list[str]:
    return [
        item.get("custom_id") or item.get("url") for row in components for item in row["components"]
    ]


def ts(moment: datetime) -> int:
    return int(moment.timestamp())


async def pending_now(resources: Resources) -> int:
    row = await resources.db.fetchone(
        "SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND send_after <= ?",
        (int(resources.clock.now().timestamp()),),
    )
    assert row is not None
    return int(row["n"])


async def timers_due(resources: Resources) -> int:
    """Timers due now that have not finished (the bot's own dispatcher may hold some)."""
    row = await resources.db.fetchone(
        "SELECT count(*) AS n FROM timers WHERE state IN ('pending', 'claimed') AND run_at <= ?",
        (int(resources.clock.now().timestamp()),),
    )
    assert row is not None
    return int(row["n"])


async def delivered(bot: WatchClubBot, resources: Resources) -> None:
    """Fire the timers due on the fake clock and wait until the outbox has sent what is ready."""
    timers = bot.services.timers
    for _ in range(2000):
        await timers.fire_due()
        await timers.settle()
        bot.services.outbox.notify()
        if await timers_due(resources) == 0 and await pending_now(resources) == 0:
            return
        await _pause()
    raise AssertionError("the timers or the outbox never finished what was due")


async def _pause() -> None:
    await asyncio.sleep(0.005)


async def at(bot: WatchClubBot, resources: Resources, clock: PacedClock, moment: datetime) -> None:
    clock.advance((moment - clock.now()).total_seconds())
    await delivered(bot, resources)


async def edits_settled(bot: WatchClubBot, resources: Resources, clock: PacedClock) -> None:
    """Let the spaced edits of an announcement go: each waits EDIT_SPACING after the last."""
    await delivered(bot, resources)
    for _ in range(3):
        clock.advance(EDIT_SPACING)
        await delivered(bot, resources)


def party_of(announcement: Any) -> int:
    """The party id an announcement's buttons name."""
    going = custom_ids(announcement.components)[0]
    return int(going.split(":")[1])


def rsvp_id(announcement: Any, choice: str) -> str:
    return f"party:{party_of(announcement)}:rsvp:{choice}"


async def answer(sandbox: Sandbox, announcement: Any, member: Any, choice: str) -> Any:
    return await sandbox.click(
        member=member, message=announcement, custom_id=rsvp_id(announcement, choice)
    )


def posts_since(sandbox: Sandbox, channel: Any, seen: int) -> list[Any]:
    return [m for m in sandbox.messages(channel) if not m.ephemeral][seen:]


async def set_zone(sandbox: Sandbox, member: Any, channel: Any, zone: str) -> None:
    saved = await sandbox.slash("timezone", member=member, channel=channel, options={"zone": zone})
    assert "Your timezone is now" in saved.embeds[0]["description"]


async def schedule(sandbox: Sandbox, member: Any, channel: Any, **options: Any) -> Any:
    return await sandbox.slash(
        "watchparty schedule", member=member, channel=channel, options=options
    )


async def scheduled(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    host: str = "mina",
    **options: Any,
) -> Any:
    """A party planned, confirmed and announced: the announcement message."""
    member, general = club.member(host), club.channel("general")
    theater = club.channel("Theater")
    values = {"title": TITLE, "when": "fri 8pm", "episodes": "1-2", "where": f"<#{theater.id}>"}
    values.update(options)
    preview = await schedule(sandbox, member, general, **values)
    [confirm, _] = custom_ids(preview.components)
    await sandbox.click(member=member, message=preview.message, custom_id=confirm)
    await delivered(bot, resources)
    announcements = [m for m in sandbox.messages(general) if m.embeds]
    return announcements[-1]


PARTY_ROWS = {
    "watch_parties": "watch_parties",
    "party_drafts": "party_drafts",
    "outbox": "outbox",
    "party timers": "timers WHERE kind LIKE 'party.%'",
}


async def reschedule(sandbox: Sandbox, member: Any, channel: Any, **options: Any) -> Any:
    """`/watchparty reschedule`, its preview checked to tell nobody, then Confirm."""
    preview = await sandbox.slash(
        "watchparty reschedule", member=member, channel=channel, options=options
    )
    assert preview.ephemeral
    assert preview.message is not None, preview.content
    [confirm, change] = custom_ids(preview.components)
    assert (confirm.endswith(":confirm"), change.endswith(":change")) == (True, True)
    await sandbox.click(member=member, message=preview.message, custom_id=confirm)
    return preview


async def rows(resources: Resources, what: str) -> int:
    row = await resources.db.fetchone(f"SELECT count(*) AS n FROM {PARTY_ROWS[what]}")
    assert row is not None
    return int(row["n"])


def modal_fields(modal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The text inputs of a modal the bot showed, by label."""
    found: dict[str, dict[str, Any]] = {}
    for item in modal["components"]:
        inner = item.get("components") or [item.get("component")]
        for field in inner:
            if field and field.get("type") == 4:
                found[field.get("label") or item.get("label")] = field
    return found


async def test_a_planned_party_is_previewed_confirmed_announced_and_mirrored(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general, theater = club.member("mina"), club.channel("general"), club.channel("Theater")
    parties = club.channel("watch-parties")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    await sandbox.slash(
        "config channel", member=mina, channel=general, options={"channel": parties}
    )
    preview = await schedule(
        sandbox,
        mina,
        general,
        title=TITLE,
        when="fri 8pm",
        episodes="1-2",
        where=f"<#{theater.id}>",
    )
    assert preview.ephemeral
    [embed] = preview.embeds
    shown = fields(embed)
    assert f"<t:{ts(FRI_8PM)}:F>" in shown["When"]
    assert "Asia/Seoul" in shown["Time zone"]
    assert shown["Where"] == f"<#{theater.id}>"
    [confirm, change] = custom_ids(preview.components)
    assert confirm.endswith(":confirm")
    assert change.endswith(":change")
    assert sandbox.messages(parties) == []  # nothing is posted before Confirm

    posted = await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
    assert posted.ephemeral
    assert "is on" in posted.embeds[0]["title"]
    assert f"being posted in <#{parties.id}>" in posted.embeds[0]["description"]
    assert posted.components == []
    await delivered(bot, resources)

    assert [m for m in sandbox.messages(general) if not m.ephemeral] == []
    [announcement] = sandbox.messages(parties)
    assert not announcement.ephemeral
    [embed] = announcement.embeds
    assert embed["title"].endswith(TITLE)
    shown = fields(embed)
    assert shown["When"].startswith(f"<t:{ts(FRI_8PM)}:F>")
    assert shown["Episodes"] == "1\u20132"
    assert shown["Where"] == f"<#{theater.id}>"
    assert shown["Host"] == f"<@{mina.id}>"
    assert shown["RSVP"] == "\u2705 0 Going \u00b7 \U0001f914 0 Maybe \u00b7 \u274c 0 Can't go"
    ids = custom_ids(announcement.components)
    party_id = embed["footer"]["text"].split("#")[1].split(" ")[0]
    assert ids[:4] == [
        f"party:{party_id}:rsvp:going",
        f"party:{party_id}:rsvp:maybe",
        f"party:{party_id}:rsvp:not_going",
        f"party:{party_id}:calendar",
    ]
    assert ids[4].startswith("https://calendar.google.com/")
    assert announcement.mentions == []
    [event] = sandbox.scheduled_events(club)
    assert event["channel_id"] == theater.id
    assert event["name"] == f"{TITLE}, episodes 1\u20132"
    assert datetime.fromisoformat(event["scheduled_start_time"]) == FRI_8PM


async def test_a_change_form_opened_before_a_restart_is_answered_after_it(
    settings: Settings, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    async with open_resources(settings, clock=clock) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            await set_zone(sandbox, mina, general, "Asia/Seoul")
            preview = await schedule(sandbox, mina, general, title=TITLE, when="fri 8pm")
            [_, change] = custom_ids(preview.components)
            opened = await sandbox.click(member=mina, message=preview.message, custom_id=change)
            assert opened.modal is not None
            shown = modal_fields(opened.modal)

    async with open_resources(settings, clock=clock) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            revised = await sandbox.submit_modal(
                member=mina,
                custom_id=opened.modal["custom_id"],
                values={
                    shown["When"]["custom_id"]: "sat 9pm",
                    shown["Episodes"]["custom_id"]: "",
                    shown["Note"]["custom_id"]: "",
                },
            )
            assert "error" not in (revised.content or "").casefold()
            await eventually(lambda: f"<t:{ts(SAT_9PM)}:F>" in str(preview.message.embeds))


async def test_change_opens_the_plan_in_a_modal_and_previews_the_new_time(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    preview = await schedule(sandbox, mina, general, title=TITLE, when="fri 8pm", episodes="1-2")
    [_, change] = custom_ids(preview.components)
    opened = await sandbox.click(member=mina, message=preview.message, custom_id=change)
    assert opened.modal is not None
    shown = modal_fields(opened.modal)
    assert shown["When"]["value"] == "fri 8pm"
    assert shown["Episodes"]["value"] == "1-2"
    typed = {
        shown["When"]["custom_id"]: "sat 9pm",
        shown["Episodes"]["custom_id"]: "3-4",
        shown["Note"]["custom_id"]: "",
    }
    revised = await sandbox.submit_modal(
        member=mina, custom_id=opened.modal["custom_id"], values=typed
    )
    saturday = SAT_9PM
    await eventually(lambda: f"<t:{ts(saturday)}:F>" in str(preview.message.embeds))
    when = fields(preview.message.embeds[0])["When"]
    assert "ep 3\u20134" in when
    assert revised.ephemeral
    assert [m for m in sandbox.messages(general) if not m.ephemeral] == []


async def test_without_any_zone_the_member_picks_one_and_it_is_saved(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    asked = await schedule(sandbox, sora, general, title=TITLE, when="fri 8pm")
    assert asked.ephemeral
    assert asked.content.startswith("Which time zone is that in?")
    [menu] = [item for row in asked.components for item in row["components"]]
    assert menu["custom_id"].endswith(":zone")
    assert "Asia/Seoul" in [option["value"] for option in menu["options"]]

    picked = await sandbox.select(
        member=sora, message=asked.message, custom_id=menu["custom_id"], values=["Asia/Seoul"]
    )
    assert picked.ephemeral
    shown = fields(asked.message.embeds[0])
    assert f"<t:{ts(FRI_8PM)}:F>" in shown["When"]
    assert "Asia/Seoul" in shown["Time zone"]
    assert custom_ids(asked.message.components)[0].endswith(":confirm")
    zone = await sandbox.slash("timezone", member=sora, channel=general)
    assert zone.content == "Your timezone is Asia/Seoul (UTC+09:00)."


async def test_when_autocomplete_shows_how_the_time_is_read(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    choices = await sandbox.autocomplete(
        "watchparty schedule",
        member=mina,
        channel=general,
        options={"title": TITLE, "when": "fri 8pm"},
        focused="when",
    )
    assert choices == [{"name": f"{FRI_LABEL} \u00b7 in 10 h", "value": "fri 8pm"}]


@pytest.mark.parametrize(
    ("when", "where", "refusal"),
    [
        ("31/02", None, "31/02"),
        ("fri 8pm", "#general", "`where` takes a voice or stage channel"),
        ("fri 8pm", "general-id", "`where` takes a voice or stage channel of this server"),
    ],
)
async def test_what_cannot_be_read_is_refused_privately_and_nothing_is_kept(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    when: str,
    where: str | None,
    refusal: str,
):
    mina, general = club.member("mina"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    options: dict[str, Any] = {"title": TITLE, "when": when}
    if where is not None:
        options["where"] = f"<#{general.id}>" if where == "general-id" else where
    refused = await schedule(sandbox, mina, general, **options)
    assert refused.ephemeral
    assert refusal in refused.content, refused.content
    assert "error code" not in refused.content
    assert refused.components == []
    for table in PARTY_ROWS:
        assert await rows(resources, table) == 0, table
    assert [m for m in sandbox.messages(general) if not m.ephemeral] == []


async def test_a_note_over_the_limit_is_stopped_before_it_reaches_the_bot(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    with pytest.raises(ValueError, match="must be 1-500 characters; got 501"):
        await schedule(sandbox, mina, general, title=TITLE, when="fri 8pm", note="x" * 501)
    for table in PARTY_ROWS:
        assert await rows(resources, table) == 0, table


async def test_answers_are_confirmed_privately_and_the_counts_follow_them(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    await set_zone(sandbox, club.member("mina"), club.channel("general"), "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    jun, sora, hana, tae = (club.member(n) for n in ("jun", "sora", "hana", "tae"))

    going = await answer(sandbox, announcement, jun, "going")
    assert going.ephemeral
    assert going.content.startswith(f"\u2705 You're **Going** to **{TITLE}**")
    assert "reminded in <#" in going.content
    again = await answer(sandbox, announcement, jun, "going")
    assert "That was already your answer." in again.content
    maybe = await answer(sandbox, announcement, hana, "maybe")
    assert maybe.content.startswith("\U0001f914 You're a **Maybe**")
    await answer(sandbox, announcement, sora, "going")
    await answer(sandbox, announcement, tae, "going")
    changed = await answer(sandbox, announcement, tae, "not_going")
    assert changed.ephemeral
    assert changed.content.startswith("\u274c You **can't go**")
    assert "That was already" not in changed.content

    await edits_settled(bot, resources, clock)
    shown = fields(announcement.embeds[0])
    assert shown["RSVP"] == "\u2705 2 Going \u00b7 \U0001f914 1 Maybe \u00b7 \u274c 1 Can't go"
    assert shown["Going"] == f"<@{jun.id}> <@{sora.id}>"
    assert announcement.mentions == []  # the names in the embed ping nobody
    assert len(custom_ids(announcement.components)) == 5  # the edits kept the buttons


async def test_reminders_ping_exactly_the_going_members_and_the_role(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    role = club.role("Watch Party")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    await sandbox.slash("config role", member=mina, channel=general, options={"role": role})
    announcement = await scheduled(bot, resources, sandbox, club)
    jun, sora, hana, tae = (club.member(n) for n in ("jun", "sora", "hana", "tae"))
    await answer(sandbox, announcement, jun, "going")
    await answer(sandbox, announcement, sora, "going")
    await answer(sandbox, announcement, hana, "maybe")
    await answer(sandbox, announcement, tae, "not_going")
    await edits_settled(bot, resources, clock)
    seen = len(posts_since(sandbox, general, 0))

    expected = [
        (FRI_8PM - timedelta(minutes=60), "starts in 1h"),
        (FRI_8PM - timedelta(minutes=15), "starts in 15m"),
        (FRI_8PM, "is starting now"),
    ]
    for due, words in expected:
        await at(bot, resources, clock, due - timedelta(seconds=1))
        assert posts_since(sandbox, general, seen) == []  # not before it is due
        await at(bot, resources, clock, due)
        [reminder] = posts_since(sandbox, general, seen)
        seen += 1
        assert words in reminder.content, reminder.content
        assert TITLE in reminder.content
        assert sorted(reminder.mentions) == sorted([jun.id, sora.id])
        assert reminder.mention_roles == [role.id]
        assert reminder.mention_everyone is False
        assert reminder.allowed_mentions is not None
        allowed = reminder.allowed_mentions
        assert sorted(str(u) for u in allowed.get("users", [])) == sorted([jun.id, sora.id])
        assert [str(r) for r in allowed.get("roles", [])] == [role.id]
        assert allowed.get("parse", []) == []
        assert hana.id not in reminder.content
        assert tae.id not in reminder.content
    clock.advance(3 * 3600)
    await delivered(bot, resources)
    assert posts_since(sandbox, general, seen) == []


async def test_a_member_who_chose_dms_is_reminded_by_dm_or_in_the_channel_if_closed(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    jun, sora, hana = club.member("jun"), club.member("sora"), club.member("hana")
    for member in (jun, sora):
        chose = await sandbox.slash(
            "watchparty remind dm", member=member, channel=general, options={"dm": "on"}
        )
        assert chose.ephemeral
        assert "by DM" in chose.content
    for member in (jun, sora, hana):
        going = await answer(sandbox, announcement, member, "going")
    assert "You'll be reminded by DM" not in going.content  # hana kept the ping
    sandbox.close_dms(sora)
    await edits_settled(bot, resources, clock)
    seen = len(posts_since(sandbox, general, 0))

    await at(bot, resources, clock, FRI_8PM - timedelta(minutes=60))
    [dm] = sandbox.dms(jun)
    assert "starts in 1h" in dm.content
    assert dm.mentions == []
    assert sandbox.dms(sora) == []
    posted = posts_since(sandbox, general, seen)
    [ping] = [
        m for m in posted if "starts in 1h" in m.content and "DMs are closed" not in m.content
    ]
    assert ping.mentions == [hana.id]  # the members who chose DMs are not pinged here
    [fallback] = [m for m in posted if "DMs are closed" in m.content]
    assert fallback.content.startswith(f"<@{sora.id}> your DMs are closed")
    assert fallback.mentions == [sora.id]


async def going_party(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
) -> Any:
    """Mina's party, in Asia/Seoul, with Jun and Sora Going and Hana a Maybe."""
    await set_zone(sandbox, club.member("mina"), club.channel("general"), "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    await answer(sandbox, announcement, club.member("jun"), "going")
    await answer(sandbox, announcement, club.member("sora"), "going")
    await answer(sandbox, announcement, club.member("hana"), "maybe")
    await edits_settled(bot, resources, clock)
    return announcement


async def test_only_the_host_or_manage_events_may_change_a_party(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    general = club.channel("general")
    announcement = await going_party(bot, resources, sandbox, club, clock)
    party = party_of(announcement)
    before = (announcement.embeds[0], announcement.components, sandbox.scheduled_events(club))
    seen = len(posts_since(sandbox, general, 0))
    sora = club.member("sora")
    moved = await sandbox.slash(
        "watchparty reschedule",
        member=sora,
        channel=general,
        options={"party": party, "when": "sat 9pm"},
    )
    cancelled = await sandbox.slash(
        "watchparty cancel", member=sora, channel=general, options={"party": party}
    )
    for refused in (moved, cancelled):
        assert refused.ephemeral
        assert refused.content.startswith(
            f"Only the host (<@{club.member('mina').id}>) or a member with Manage Events"
        )
    await edits_settled(bot, resources, clock)
    after = (announcement.embeds[0], announcement.components, sandbox.scheduled_events(club))
    assert after == before
    assert posts_since(sandbox, general, seen) == []


async def test_a_reschedule_tells_the_going_members_and_moves_the_event_and_announcement(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    general, mina = club.channel("general"), club.member("mina")
    jun, sora, hana = club.member("jun"), club.member("sora"), club.member("hana")
    announcement = await going_party(bot, resources, sandbox, club, clock)
    seen = len(posts_since(sandbox, general, 0))
    preview = await sandbox.slash(
        "watchparty reschedule",
        member=mina,
        channel=general,
        options={"party": party_of(announcement), "when": "sat 9pm"},
    )
    saturday = SAT_9PM
    moves = fields(preview.embeds[0])["Moves"]
    assert f"~~<t:{ts(FRI_8PM)}:f>~~ \u2192 <t:{ts(saturday)}:F>" in moves
    assert "Asia/Seoul" in fields(preview.embeds[0])["Time zone"]
    await edits_settled(bot, resources, clock)
    assert posts_since(sandbox, general, seen) == []  # nobody is told before Confirm
    assert preview.message is not None
    [confirm, _] = custom_ids(preview.components)
    done = await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
    assert done.embeds[0]["title"] == f"Watch party #{party_of(announcement)} moved"
    await edits_settled(bot, resources, clock)

    [notice] = posts_since(sandbox, general, seen)
    assert f"moved to <t:{ts(saturday)}:F>" in notice.content
    assert f"it was <t:{ts(FRI_8PM)}:F>" in notice.content
    assert sorted(notice.mentions) == sorted([jun.id, sora.id])
    assert hana.id not in notice.content
    [event] = sandbox.scheduled_events(club)
    assert datetime.fromisoformat(event["scheduled_start_time"]) == saturday
    assert fields(announcement.embeds[0])["When"].startswith(f"<t:{ts(saturday)}:F>")
    assert len(custom_ids(announcement.components)) == 5

    # The reminders moved with it: none on Friday, the first an hour before Saturday's start.
    seen += 1
    await at(bot, resources, clock, FRI_8PM + timedelta(minutes=1))
    assert posts_since(sandbox, general, seen) == []
    await at(bot, resources, clock, saturday - timedelta(minutes=60))
    [reminder] = posts_since(sandbox, general, seen)
    assert "starts in 1h" in reminder.content
    assert sorted(reminder.mentions) == sorted([jun.id, sora.id])


async def test_a_cancel_tells_the_going_members_removes_the_event_and_the_buttons(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    general, mina = club.channel("general"), club.member("mina")
    jun, sora = club.member("jun"), club.member("sora")
    announcement = await going_party(bot, resources, sandbox, club, clock)
    party = party_of(announcement)
    seen = len(posts_since(sandbox, general, 0))
    done = await sandbox.slash(
        "watchparty cancel", member=mina, channel=general, options={"party": party}
    )
    assert done.ephemeral
    assert done.content.startswith(f"The party of **{TITLE}** (#{party}) is cancelled.")
    await edits_settled(bot, resources, clock)

    [notice] = posts_since(sandbox, general, seen)
    assert f"**{TITLE}** (watch party #{party}) is cancelled." in notice.content
    assert sorted(notice.mentions) == sorted([jun.id, sora.id])
    assert sandbox.scheduled_events(club) == []
    assert announcement.embeds[0]["title"] == f"Cancelled: {TITLE}"
    assert announcement.components == []

    seen += 1
    for due in (FRI_8PM - timedelta(minutes=60), FRI_8PM, FRI_8PM + timedelta(hours=3)):
        await at(bot, resources, clock, due)
    assert posts_since(sandbox, general, seen) == []


async def about_events(sandbox: Sandbox, club: Any) -> str:
    about = await sandbox.slash("about", member=club.member("jun"), channel=club.channel("general"))
    return fields(about.embeds[0])["Discord events"]


@pytest.mark.parametrize("refusal", ["no permission", "at the cap"])
async def test_without_the_event_mirror_the_party_is_still_announced_and_about_says_why(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    clock: PacedClock,
    refusal: str,
):
    if refusal == "no permission":
        await sandbox.revoke_bot_permissions(club, MANAGE_EVENTS | CREATE_EVENTS)
        reason = MIRROR_OFF_NO_PERMISSION
    else:
        await sandbox.add_scheduled_events(club, 100)
        reason = MIRROR_OFF_AT_CAP
    events = sandbox.scheduled_events(club)
    await set_zone(sandbox, club.member("mina"), club.channel("general"), "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    assert fields(announcement.embeds[0])["Episodes"] == "1\u20132"
    assert len(custom_ids(announcement.components)) == 5
    assert sandbox.scheduled_events(club) == events
    assert reason in await about_events(sandbox, club)
    going = await answer(sandbox, announcement, club.member("jun"), "going")
    assert going.content.startswith("\u2705 You're **Going**")


async def test_the_buttons_of_an_announcement_work_after_a_restart(
    settings: Settings, sandbox: Sandbox, club: Any, clock: PacedClock
):
    general = club.channel("general")
    async with open_resources(settings, clock=clock) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            await set_zone(sandbox, club.member("mina"), general, "Asia/Seoul")
            announcement = await scheduled(first, resources, sandbox, club)
            await answer(sandbox, announcement, club.member("sora"), "going")
            await edits_settled(first, resources, clock)
    assert fields(announcement.embeds[0])["RSVP"].startswith("\u2705 1 Going")

    async with open_resources(settings, clock=clock) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            jun = club.member("jun")
            going = await answer(sandbox, announcement, jun, "going")
            assert going.ephemeral
            assert going.content.startswith(f"\u2705 You're **Going** to **{TITLE}**")
            clock.advance(EDIT_SPACING)
            await edits_settled(second, resources, clock)
            shown = fields(announcement.embeds[0])
            assert shown["RSVP"].startswith("\u2705 2 Going")
            assert shown["Going"] == f"<@{club.member('sora').id}> <@{jun.id}>"
    assert len(sandbox.messages(general)) == 1 + len(
        [m for m in sandbox.messages(general) if m.ephemeral]
    )


async def test_a_series_announces_its_next_session_as_the_last_one_ends(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    general = club.channel("general")
    await set_zone(sandbox, club.member("mina"), general, "Asia/Seoul")
    first = await scheduled(
        bot,
        resources,
        sandbox,
        club,
        episodes="1-6",
        repeat="weekly fri,sat",
        episodes_per_session=2,
        sessions=3,
    )
    shown = fields(first.embeds[0])
    assert shown["Episodes"] == "1\u20132"
    assert shown["Series"].startswith("Session 1 of 3")
    await answer(sandbox, first, club.member("jun"), "going")
    await edits_settled(bot, resources, clock)
    [event] = sandbox.scheduled_events(club)
    assert event["name"].endswith("episodes 1\u20132")

    await at(bot, resources, clock, FRI_8PM + timedelta(hours=2, minutes=59))
    assert len([m for m in sandbox.messages(general) if m.embeds]) == 1
    await at(bot, resources, clock, FRI_8PM + timedelta(hours=3))
    announcements = [m for m in sandbox.messages(general) if m.embeds]
    assert len(announcements) == 2
    following = announcements[-1]
    saturday = SAT_8PM
    shown = fields(following.embeds[0])
    assert shown["Episodes"] == "3\u20134"
    assert shown["Series"].startswith("Session 2 of 3")
    assert shown["When"].startswith(f"<t:{ts(saturday)}:F>")
    assert shown["Going"] == f"<@{club.member('jun').id}>"  # the answer holds for the series
    assert following.mentions == []
    [event] = sandbox.scheduled_events(club)
    assert event["name"].endswith("episodes 3\u20134")
    assert datetime.fromisoformat(event["scheduled_start_time"]) == saturday


async def test_a_party_with_a_thread_opens_it_on_the_announcement(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    general = club.channel("general")
    await set_zone(sandbox, club.member("mina"), general, "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club, thread=True)
    [thread] = sandbox.threads(general)
    assert thread["id"] == announcement.id
    assert thread["name"] == f"{TITLE}, episodes 1\u20132"


async def test_list_info_and_calendar_answer_privately_and_only_for_this_server(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, world: World
):
    general, sora = club.channel("general"), club.member("sora")
    await set_zone(sandbox, club.member("mina"), general, "Asia/Seoul")
    await set_zone(sandbox, sora, general, "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    party = party_of(announcement)

    nothing = await sandbox.slash("watchparty calendar", member=sora, channel=general)
    assert nothing.ephemeral
    assert nothing.content.startswith("You're not Going to any watch party here yet.")
    await answer(sandbox, announcement, sora, "going")

    listed = await sandbox.slash("watchparty list", member=sora, channel=general)
    assert listed.ephemeral
    description = listed.embeds[0]["description"]
    assert f"**#{party} {TITLE}, episodes 1\u20132**" in description
    assert f"<t:{ts(FRI_8PM)}:F>" in description
    assert "you: Going" in description

    choices = await sandbox.autocomplete(
        "watchparty info", member=sora, channel=general, options={"party": ""}, focused="party"
    )
    assert choices == [{"name": f"#{party} {TITLE} \u00b7 {FRI_LABEL}", "value": party}]
    info = await sandbox.slash(
        "watchparty info", member=sora, channel=general, options={"party": party}
    )
    assert info.ephemeral
    shown = fields(info.embeds[0])
    assert info.embeds[0]["title"] == f"#{party} {TITLE}"
    assert f"<t:{ts(FRI_8PM)}:F>" in shown["Sessions"]
    assert shown["You"] == "Going"
    assert shown["RSVP"].startswith("\u2705 1 Going")

    calendar = await sandbox.slash("watchparty calendar", member=sora, channel=general)
    assert calendar.ephemeral
    assert calendar.content.startswith("1 session of the parties you're Going to.")
    [attachment] = calendar.message.attachments
    assert attachment["filename"].endswith(".ics")
    ics = sandbox.attachment_data(attachment).decode()
    assert "BEGIN:VCALENDAR" in ics
    assert f"SUMMARY:{TITLE}" in ics
    assert f"UID:party-{party}-session-1@watchclub" in ics

    other = world.guild("Anime Club")
    yuki, lounge = other.member("yuki"), other.channel("lounge")
    elsewhere = await sandbox.slash(
        "watchparty info", member=yuki, channel=lounge, options={"party": party}
    )
    assert elsewhere.ephemeral
    assert elsewhere.content == f"There is no watch party #{party} in this server."
    assert (
        await sandbox.autocomplete(
            "watchparty info", member=yuki, channel=lounge, options={"party": ""}, focused="party"
        )
        == []
    )
    listed = await sandbox.slash("watchparty list", member=yuki, channel=lounge)
    assert TITLE not in str(listed.embeds)


async def test_a_member_with_manage_events_may_cancel_a_party_they_do_not_host(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    announcement = await going_party(bot, resources, sandbox, club, clock)
    done = await sandbox.slash(
        "watchparty cancel",
        member=club.member("mod"),
        channel=club.channel("general"),
        options={"party": party_of(announcement)},
    )
    assert done.ephemeral
    assert "is cancelled" in done.content
    await edits_settled(bot, resources, clock)
    assert sandbox.scheduled_events(club) == []
    assert announcement.components == []


async def test_a_reschedule_by_a_member_without_a_zone_is_read_in_the_partys_zone(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    announcement = await going_party(bot, resources, sandbox, club, clock)
    await reschedule(
        sandbox,
        club.member("mod"),  # Manage Events, no zone of their own; the server has none
        club.channel("general"),
        party=party_of(announcement),
        when="sat 9pm",
    )
    await edits_settled(bot, resources, clock)
    [event] = sandbox.scheduled_events(club)
    saturday = SAT_9PM
    assert datetime.fromisoformat(event["scheduled_start_time"]) == saturday


async def test_a_time_that_names_its_zone_needs_no_zone_of_the_members(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    hint = await sandbox.autocomplete(
        "watchparty schedule",
        member=sora,
        channel=general,
        options={"title": TITLE, "when": "fri 8pm"},
        focused="when",
    )
    assert hint[0]["name"].startswith("Set your time zone with /timezone")
    preview = await schedule(sandbox, sora, general, title=TITLE, when="fri 8pm KST")
    assert preview.ephemeral
    assert f"<t:{ts(FRI_8PM)}:F>" in fields(preview.embeds[0])["When"]
    assert custom_ids(preview.components)[0].endswith(":confirm")


async def test_a_plan_confirmed_after_its_start_passed_is_refused_and_nothing_is_posted(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    preview = await schedule(sandbox, mina, general, title=TITLE, when="fri 8pm")
    clock.advance((FRI_8PM - NOW).total_seconds() + 60)
    [confirm, _] = custom_ids(preview.components)
    late = await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
    assert late.ephemeral
    assert "That start time has passed" in late.content
    await delivered(bot, resources)
    assert await rows(resources, "watch_parties") == 0
    assert posts_since(sandbox, general, 0) == []
    assert sandbox.scheduled_events(club) == []


async def test_answers_stop_once_the_party_has_started(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    announcement = await going_party(bot, resources, sandbox, club, clock)
    await at(bot, resources, clock, FRI_8PM + timedelta(minutes=5))
    before = fields(announcement.embeds[0])["RSVP"]
    late = await answer(sandbox, announcement, club.member("tae"), "going")
    assert late.ephemeral
    assert late.content == "This watch party has already started, so it takes no answers."
    await edits_settled(bot, resources, clock)
    assert fields(announcement.embeds[0])["RSVP"] == before


async def test_a_preview_can_be_confirmed_after_a_restart(
    settings: Settings, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    async with open_resources(settings, clock=clock) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            await set_zone(sandbox, mina, general, "Asia/Seoul")
            preview = await schedule(sandbox, mina, general, title=TITLE, when="fri 8pm")

    async with open_resources(settings, clock=clock) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            [confirm, _] = custom_ids(preview.components)
            posted = await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
            assert posted.ephemeral
            assert "is on" in posted.embeds[0]["title"]
            await delivered(second, resources)
            [announcement] = posts_since(sandbox, general, 0)
            assert fields(announcement.embeds[0])["When"].startswith(f"<t:{ts(FRI_8PM)}:F>")
