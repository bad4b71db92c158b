"""`watchclub demo`: the real bot, a stand-in Discord, and a scripted evening in a fan server.

Everything runs on 127.0.0.1 with a temporary database. Title data comes from the built-in
catalog: the demo runs offline, and provider URLs point at a closed local port besides.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import HttpUrl, SecretStr

from bot.client import WatchClubBot, create_bot
from bot.config import Settings
from bot.outbox.message import (
    EventDetails,
    MirrorEvent,
    OutgoingMessage,
    ToChannel,
    ToMember,
)
from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import Outbox
from bot.resources import open_resources
from bot.scheduled_messages import scheduled_message
from bot.storage.database import Database
from bot.timers.service import TimerService
from sandbox import CREATE_EVENTS, MANAGE_EVENTS, Sandbox, World
from sandbox.testing import start_client


class DemoClock:
    """The real time, which the demo can jump ahead ("three days later") to show what happens
    when reminders fall due, without waiting for them."""

    def __init__(self) -> None:
        self._ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._ahead

    def monotonic(self) -> float:
        return time.monotonic() + self._ahead.total_seconds()

    def jump_to(self, moment: datetime) -> None:
        self._ahead += max(timedelta(0), moment - self.now())


# Nothing listens on port 9 (discard): a provider call fails at once, and never leaves the machine.
_CLOSED_PORT = HttpUrl("http://127.0.0.1:9/")


def sandbox_settings(sandbox: Sandbox, database: Path, **overrides: object) -> Settings:
    """Settings for the real bot against `sandbox`, with its data in `database`.

    The demo and the tests both build theirs here. Every setting is given, so neither the
    environment nor a `.env` file leaks in; title providers point at a closed local port.
    `overrides` replace settings by field name (an unknown name is a TypeError).
    """
    values: dict[str, Any] = {
        "discord_token": SecretStr(sandbox.token),
        "database": database,
        "discord_api_base_url": HttpUrl(sandbox.api_base_url),
        "discord_gateway_url": sandbox.gateway_url,
        "dev_guild_id": None,
        "log_level": "INFO",
        "tmdb_api_key": None,
        "offline": False,
        "anilist_api_url": _CLOSED_PORT,
        "tvmaze_api_url": _CLOSED_PORT,
        "tmdb_api_url": _CLOSED_PORT,
        "voter_key_file": None,  # beside `database`
    }
    unknown = sorted(overrides.keys() - Settings.model_fields.keys())
    if unknown:
        raise TypeError(f"not a setting: {', '.join(unknown)}")
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def demo_settings(sandbox: Sandbox, database: Path) -> Settings:
    """The demo runs offline, on the built-in catalog, and logs only warnings."""
    return sandbox_settings(sandbox, database, offline=True, log_level="WARNING")


async def play_script(sandbox: Sandbox, world: World) -> None:
    """The community session: each step is what a member would really do."""
    guild = world.guild("K-Drama Club")
    mina, jun, sora = guild.member("mina"), guild.member("jun"), guild.member("sora")
    general, parties = guild.channel("general"), guild.channel("watch-parties")
    role = guild.role("Watch Party")

    overview = await sandbox.slash("help", member=sora, channel=general)
    if overview.message is not None:
        await sandbox.click(member=sora, message=overview.message, custom_id="help:settings")

    await sandbox.slash("config show", member=mina, channel=general)
    await sandbox.autocomplete(
        "config timezone", member=mina, channel=general, options={"zone": "seo"}, focused="zone"
    )
    await sandbox.slash("config timezone", member=mina, channel=general, options={"zone": "seoul"})
    await sandbox.slash(
        "config reminders", member=mina, channel=general, options={"lead_times": "1d 1h 15m"}
    )
    await sandbox.slash(
        "config reminders", member=mina, channel=general, options={"lead_times": "whenever"}
    )
    await sandbox.slash(
        "config channel", member=mina, channel=general, options={"channel": parties}
    )
    await sandbox.slash("config role", member=mina, channel=general, options={"role": role})
    # An admin once opened /config to everyone in Server Settings > Integrations;
    # the bot still checks Manage Server itself.
    guild.override_command_permissions("config")
    await sandbox.slash(
        "config timezone", member=jun, channel=general, options={"zone": "Asia/Tokyo"}
    )
    await sandbox.slash("config show", member=mina, channel=general)
    await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "Asia/Manila"})
    # Offsets and abbreviations mean what people mean: GMT+9 is Korea's time, not UTC-9.
    await sandbox.autocomplete(
        "timezone", member=jun, channel=general, options={"zone": "GMT+9"}, focused="zone"
    )
    await sandbox.slash("timezone", member=jun, channel=general, options={"zone": "IST"})
    await sandbox.slash("timezone", member=jun, channel=general)
    await sandbox.slash("about", member=jun, channel=general)

    # Finding the next show: autocomplete, then the card everyone in the channel sees.
    choices = await sandbox.autocomplete(
        "title", member=sora, channel=general, options={"name": "goblin"}, focused="name"
    )
    if choices:
        await sandbox.slash(
            "title", member=sora, channel=general, options={"name": choices[0]["value"]}
        )
    # Typos, fan abbreviations, romanisations and Hangul find the title.
    for typed in ("lovely runer", "cloy", "shingeki no kyojin", "사랑의 불"):
        await sandbox.autocomplete(
            "title", member=sora, channel=general, options={"name": typed}, focused="name"
        )
    await sandbox.slash("title", member=sora, channel=general, options={"name": "frieran"})
    picker = await sandbox.slash("title", member=jun, channel=general, options={"name": "love"})
    menu = picker.components[0]["components"][0] if picker.components else None
    if picker.message is not None and menu is not None:
        await sandbox.select(
            member=jun,
            message=picker.message,
            custom_id=menu["custom_id"],
            values=[menu["options"][0]["value"]],
        )


async def play_reminders(
    sandbox: Sandbox, world: World, timers: TimerService, db: Database
) -> None:
    """Scheduled messages fall due: the engine polls and watch parties run on."""
    guild = world.guild("K-Drama Club")
    jun, sora = guild.member("jun"), guild.member("sora")
    parties = int(guild.channel("watch-parties").id)
    sandbox.note("Three reminders for #watch-parties fall due in the same minute")
    sandbox.note("sora does not accept DMs; jun does")
    sandbox.close_dms(sora)
    now = datetime.now(UTC)
    reminders = [
        OutgoingMessage(ToChannel(parties), text, mergeable=True)
        for text in (
            "Twinkling Watermelon, episode 5, starts in 15 minutes.",
            "Frieren, episode 12, starts in 15 minutes.",
            "Moving, episode 3, starts in 15 minutes.",
        )
    ]
    dms = [
        OutgoingMessage(ToMember(int(member.id), parties), "Your watch party starts in 15 minutes.")
        for member in (jun, sora)
    ]
    await timers.schedule_many(
        [
            scheduled_message(message, due_at=now, key=f"demo:{n}")
            for n, message in enumerate(reminders + dms)
        ]
    )
    outbox = OutboxRepository(db)
    for _ in range(250):
        counts = await outbox.counts()
        if counts.sent + counts.failed == len(reminders + dms):
            return
        await asyncio.sleep(0.02)


async def play_watch_party(
    sandbox: Sandbox, world: World, bot: WatchClubBot, clock: DemoClock, db: Database
) -> None:
    """Watch together: a series planned and confirmed, answered, and its first reminder."""
    guild = world.guild("K-Drama Club")
    mina, jun, sora = guild.member("mina"), guild.member("jun"), guild.member("sora")
    general, parties = guild.channel("general"), guild.channel("watch-parties")
    theater = guild.channel("Theater")
    options = {
        "title": "catalog:crash-landing-on-you",
        "when": "fri 8pm KST",
        "repeat": "weekly fri,sat",
        "episodes_per_session": 2,
        "where": f"<#{theater.id}>",
        "note": "Bring snacks. Subtitles on.",
        "thread": True,
    }
    await sandbox.autocomplete(
        "watchparty schedule",
        member=sora,
        channel=general,
        options={**options, "when": "fri 8pm KST"},
        focused="when",
    )
    preview = await sandbox.slash(
        "watchparty schedule", member=sora, channel=general, options=options
    )
    confirm = next(
        (
            c["custom_id"]
            for row in preview.components
            for c in row.get("components", [])
            if str(c.get("custom_id", "")).endswith(":confirm")
        ),
        None,
    )
    if preview.message is None or confirm is None:
        return
    await sandbox.click(member=sora, message=preview.message, custom_id=confirm)
    await _until_delivered(db, clock)
    announcements = [m for m in sandbox.messages(parties) if m.embeds]
    if not announcements:
        return
    announcement = announcements[-1]
    party_id = str(announcement.components[0]["components"][0]["custom_id"]).split(":")[1]
    sandbox.note("Members answer with the announcement's buttons; each sees their own answer")
    for member, choice in ((jun, "going"), (mina, "maybe"), (sora, "going"), (jun, "not_going")):
        await sandbox.click(
            member=member, message=announcement, custom_id=f"party:{party_id}:rsvp:{choice}"
        )
    await sandbox.click(member=jun, message=announcement, custom_id=f"party:{party_id}:rsvp:going")
    await sandbox.slash("watchparty remind dm", member=sora, channel=general, options={"dm": "on"})
    clock.jump_to(clock.now() + timedelta(seconds=5))  # past the announcement's edit spacing
    bot.services.outbox.notify()
    await _until_delivered(db, clock)
    await sandbox.slash("watchparty list", member=jun, channel=general)
    party = await bot.services.parties.get(int(guild.id), int(party_id))
    first = party.sessions[0].session.start
    sandbox.note("Fast-forward to one hour before the first session")
    clock.jump_to(first - timedelta(hours=1))
    await bot.services.timers.fire_due()
    await bot.services.timers.settle()
    await _until_delivered(db, clock)
    await sandbox.slash("watchparty calendar", member=jun, channel=general)


async def play_versus_poll(
    sandbox: Sandbox, world: World, bot: WatchClubBot, clock: DemoClock, db: Database
) -> None:
    """Decide together: the bot picks a slow-burn vs fantasy face-off, members vote (one
    changes their mind), the live tally follows in a few edits, and the results come with a
    chart and a way into a watch party."""
    guild = world.guild("K-Drama Club")
    mina, jun, sora = guild.member("mina"), guild.member("jun"), guild.member("sora")
    voters = [guild.member(name) for name in ("hana", "tae", "yuki")]
    general = guild.channel("general")
    results: list[Any] = []
    sandbox.note("mina asks the bot to pick tonight's face-off, with a live tally")
    await sandbox.slash(
        "poll versus",
        member=mina,
        channel=general,
        options={"duration": "1h", "results": "live"},
    )
    await _until_delivered(db, clock)
    posted = [m for m in sandbox.messages(general) if m.components and "Poll #" in m.content]
    if not posted:
        return
    poll = posted[-1]
    poll_id = int(str(poll.components[0]["components"][0]["custom_id"]).split(":")[1])
    sandbox.note("mina gives it more time: unlike Discord's own polls, this one can be edited")
    await sandbox.slash(
        "poll edit", member=mina, channel=general, options={"poll": poll_id, "duration": "2h"}
    )
    sandbox.note("Members vote with the buttons; each sees only their own vote")
    for member, side in ((sora, 0), (jun, 1), (voters[0], 0), (voters[1], 1), (voters[2], 0)):
        await sandbox.click(member=member, message=poll, custom_id=f"poll:{poll_id}:vote:{side}")
    await sandbox.click(member=jun, message=poll, custom_id=f"poll:{poll_id}:vote:0")
    clock.jump_to(clock.now() + timedelta(seconds=5))  # past the message's edit spacing
    bot.services.outbox.notify()
    await _until_delivered(db, clock)
    sandbox.note("Six clicks, one message: the tally was edited in place, not re-posted")
    await sandbox.slash("poll voters", member=jun, channel=general, options={"poll": poll_id})
    await sandbox.slash("poll close", member=jun, channel=general, options={"poll": poll_id})
    await sandbox.slash("poll close", member=mina, channel=general, options={"poll": poll_id})
    closed = f"Poll #{poll_id} has closed"
    for _ in range(500):  # the first chart loads matplotlib: a second or two
        clock.jump_to(clock.now() + timedelta(seconds=1))  # past the final edit's spacing
        bot.services.outbox.notify()
        await asyncio.sleep(0.02)
        results = [m for m in sandbox.messages(general) if closed in m.content]
        if results:
            break
    await _until_delivered(db, clock)
    if results:
        sandbox.note("The winner goes straight into the watch-party flow")
        await sandbox.click(member=sora, message=results[-1], custom_id=f"poll:{poll_id}:party:0")
        await sandbox.submit_modal(
            member=sora,
            custom_id=f"poll:{poll_id}:partyform:0",
            values={"when": "sat 9pm KST", "where": ""},
            channel=general,
        )
    await sandbox.slash("poll stats", member=sora, channel=general)


async def play_bracket(
    sandbox: Sandbox, world: World, bot: WatchClubBot, clock: DemoClock, db: Database
) -> None:
    """A bracket of four: two semi-finals, the final opening when they close, and the
    champion posted with the bracket drawn."""
    guild = world.guild("K-Drama Club")
    mina, jun, sora = guild.member("mina"), guild.member("jun"), guild.member("sora")
    general = guild.channel("general")
    sandbox.note("mina starts a bracket of four; each round is a set of versus polls")
    await sandbox.slash(
        "poll bracket",
        member=mina,
        channel=general,
        options={
            "name": "Best slow-burn ever",
            "titles": "Crash Landing on You; Goblin; Toradora; Reply 1988",
            "duration": "1h",
        },
    )
    for round_votes in ((0, 1), (0,)):
        await _until_delivered(db, clock)
        matches = [
            m
            for m in sandbox.messages(general)
            if m.components and "Best slow-burn ever" in m.content
        ]
        for match, side in zip(matches[-len(round_votes) :], round_votes, strict=True):
            poll_id = int(str(match.components[0]["components"][0]["custom_id"]).split(":")[1])
            for member in (mina, jun, sora):
                await sandbox.click(
                    member=member, message=match, custom_id=f"poll:{poll_id}:vote:{side}"
                )
        sandbox.note("An hour later the round closes")
        clock.jump_to(clock.now() + timedelta(hours=1, seconds=5))
        for _ in range(3):
            await bot.services.timers.fire_due()
            await bot.services.timers.settle()
        bot.services.outbox.notify()
        await _until_delivered(db, clock)
    for _ in range(3):  # the champion's post, drawn on the chart thread
        await bot.services.timers.fire_due()
        await bot.services.timers.settle()
        await _until_delivered(db, clock)


async def play_taste(sandbox: Sandbox, world: World) -> None:
    """What a member tells the bot: two ratings, a watchlist, the taste they add up to, and
    their data on request."""
    guild = world.guild("K-Drama Club")
    jun, sora = guild.member("jun"), guild.member("sora")
    general = guild.channel("general")
    sandbox.note("jun tells the bot what they thought of two shows, and what they want to watch")
    await sandbox.slash(
        "rate",
        member=jun,
        channel=general,
        options={"title": "catalog:crash-landing-on-you", "score": 9},
    )
    await sandbox.slash(
        "watched",
        member=jun,
        channel=general,
        options={"title": "catalog:guardian-the-lonely-and-great-god", "score": 8},
    )
    await sandbox.slash(
        "watchlist add", member=jun, channel=general, options={"title": "catalog:reply-1988"}
    )
    await sandbox.slash("watchlist show", member=sora, channel=general, options={"member": jun})
    sandbox.note("jun looks at their taste: a place on the story compass, drawn as a chart")
    await sandbox.slash("taste", member=jun, channel=general)
    sandbox.note("jun asks what to watch next; each pick says why")
    await sandbox.slash("recommend", member=jun, channel=general, options={"count": 3})
    await sandbox.slash(
        "recommend", member=jun, channel=general, options={"mood": "fantasy", "count": 3}
    )
    await sandbox.slash("privacy export", member=jun, channel=general)
    await play_quick_picker(sandbox, world)


async def play_quick_picker(sandbox: Sandbox, world: World) -> None:
    """A member who rated nothing: the server's favourites, then a few ratings in one form."""
    guild = world.guild("K-Drama Club")
    hana, general = guild.member("hana"), guild.channel("general")
    sandbox.note("hana has rated nothing yet: the server's favourites, and a quick picker")
    cold = await sandbox.slash("recommend", member=hana, channel=general, options={"count": 3})
    assert cold.message is not None, cold.content
    form = await sandbox.click(member=hana, message=cold.message, custom_id="rec:quick")
    fields = [
        str(field["custom_id"])
        for row in (form.modal or {}).get("components", [])
        for field in row.get("components") or [row.get("component") or {}]
        if field.get("type") == 4  # a text input
    ]
    scores = dict.fromkeys(fields, "")
    scores.update(zip(fields[:2], ("9", "7"), strict=False))  # seen two, left the rest blank
    await sandbox.submit_modal(member=hana, custom_id="rec:qr", values=scores, channel=general)


async def play_events(
    sandbox: Sandbox, world: World, outbox: Outbox, db: Database, clock: DemoClock
) -> None:
    """A session mirrored as a Discord event and kept in step when it moves."""
    guild = world.guild("K-Drama Club")
    guild_id = int(guild.id)
    tomorrow = clock.now().replace(hour=11, minute=0, second=0, microsecond=0) + timedelta(days=1)
    start = int(tomorrow.timestamp())
    where = "#watch-parties"
    await outbox.queue(
        [
            MirrorEvent(
                guild_id, "demo:party", EventDetails(_PARTY, start, start + 5400, location=where)
            )
        ]
    )
    await _until_delivered(db, clock)
    sandbox.note("The host moves the party an hour later; the Discord event follows")
    moved = EventDetails(_PARTY, start + 3600, start + 9000, location=where)
    await outbox.queue([MirrorEvent(guild_id, "demo:party", moved)])
    await _until_delivered(db, clock)


async def play_mirror_off(
    sandbox: Sandbox, world: World, outbox: Outbox, db: Database, clock: DemoClock
) -> None:
    """Without Manage Events everything else goes on, and /about says why events are off."""
    guild = world.guild("K-Drama Club")
    guild_id = int(guild.id)
    where = "#watch-parties"
    start = int((clock.now() + timedelta(days=8)).timestamp())
    sandbox.note("An admin takes away the bot's Manage Events permission")
    await sandbox.revoke_bot_permissions(guild, MANAGE_EVENTS | CREATE_EVENTS)
    later = EventDetails("Moving ep 3-4 watch party", start + 86400, start + 91800, location=where)
    await outbox.queue([MirrorEvent(guild_id, "demo:party2", later)])
    await _until_delivered(db, clock)
    await sandbox.slash("about", member=guild.member("mina"), channel=guild.channel("general"))


_PARTY = "Frieren ep 5-6 watch party"


async def _until_delivered(db: Database, clock: DemoClock | None = None) -> None:
    """Until nothing is due to go out now (a request held for a later try does not count)."""
    repository = OutboxRepository(db)
    now = clock.now if clock is not None else lambda: datetime.now(UTC)
    for _ in range(250):
        next_at = await repository.next_send_after()
        if next_at is None or next_at > now().timestamp() + 1:
            return
        await asyncio.sleep(0.02)


async def run_demo(*, color: bool = False) -> int:
    world = World.default()
    club = world.guild("K-Drama Club")
    club.add_voice_channel("Theater")
    for name in ("hana", "tae", "yuki"):
        club.add_member(name, global_name=name.capitalize())
    clock = DemoClock()
    with tempfile.TemporaryDirectory(prefix="watchclub-demo-") as folder:
        async with Sandbox(world) as sandbox:
            settings = demo_settings(sandbox, Path(folder) / "demo.sqlite3")
            async with open_resources(settings, clock=clock) as resources:
                bot = create_bot(settings, resources)
                async with start_client(bot, sandbox):
                    await sandbox.wait_synced()
                    await play_script(sandbox, world)
                    await play_reminders(sandbox, world, bot.services.timers, resources.db)
                    await play_versus_poll(sandbox, world, bot, clock, resources.db)
                    await play_bracket(sandbox, world, bot, clock, resources.db)
                    await play_taste(sandbox, world)
                    await play_events(sandbox, world, bot.services.outbox, resources.db, clock)
                    await play_watch_party(sandbox, world, bot, clock, resources.db)
                    await play_mirror_off(sandbox, world, bot.services.outbox, resources.db, clock)
                    await sandbox.settle()
            transcript = sandbox.transcript.render(color=color)
    print(_INTRO)
    print(transcript)
    print(_OUTRO)
    if sandbox.unknown_routes:
        print(f"(the bot called {len(sandbox.unknown_routes)} unknown routes)", file=sys.stderr)
        return 1
    return 0


_INTRO = """\
watchclub demo: an evening in the "K-Drama Club" server
(the real bot, talking to a local stand-in for Discord; nothing leaves this machine)
"""

_OUTRO = """
That was the real bot. To run it in your own server, see "Set up the Discord application"
in README.md, put DISCORD_TOKEN in .env, and start it with `watchclub run`."""
