"""Buttons that do what a slash command does follow the server's command permissions (Server
Settings > Integrations), read from Discord through the sandbox: the recommend actions "Start a
versus poll" (/poll) and "Schedule a watch party" (/watchparty), and a closed poll's hand-off to
a watch party (/watchparty)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources, open_resources
from sandbox import CommandNotPermittedError, Sandbox
from tests.integration.test_polls import buttons, posted_poll, posts, settled
from tests.support.clock import PacedClock

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
CLOY = "catalog:crash-landing-on-you"
FRIEREN = "catalog:frieren-beyond-journeys-end"
POLL_REFUSAL = "This server lets only some members start polls with /poll; ask a moderator."
PARTY_REFUSAL = (
    "This server lets only some members plan watch parties with /watchparty; ask a moderator."
)
PERMISSIONS_ROUTE = "/applications/{application_id}/guilds/{guild_id}/commands/permissions"


class SteppedClock(PacedClock):
    """Real monotonic time (the outbox's pacing needs it) that `advance` also moves forward, so
    a test can step past the bot's one-minute cache of the overrides."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._skipped = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self._skipped

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self._skipped += seconds


@pytest.fixture
def clock() -> PacedClock:
    return SteppedClock(NOW)


@pytest.fixture
async def resources(settings: Settings, clock: PacedClock) -> AsyncIterator[Resources]:
    async with open_resources(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
def club(world: Any) -> Any:
    return world.guild("K-Drama Club")


async def _polls(resources: Resources) -> int:
    row = await resources.db.fetchone("SELECT count(*) AS n FROM polls", ())
    assert row is not None
    return int(row["n"])


async def _actions_for(sandbox: Sandbox, member: Any, channel: Any) -> tuple[Any, str]:
    """/recommend, then the first pick chosen: the private message with its action buttons."""
    result = await sandbox.slash(
        "recommend", member=member, channel=channel, options={"mood": "fantasy"}
    )
    menu = next(c for row in result.components for c in row["components"] if c["type"] == 3)
    first = menu["options"][0]["value"]
    chosen = await sandbox.select(
        member=member, message=result.message, custom_id="rec:pick", values=[first]
    )
    return chosen.last_message, first


async def test_poll_restricted_to_a_role_refuses_the_versus_button_as_it_refuses_the_command(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    club.set_command_permissions("poll", roles={club.role("Watch Party"): True}, everyone=False)
    with pytest.raises(CommandNotPermittedError, match="sora cannot see /poll"):
        await sandbox.slash("poll versus", member=sora, channel=general, options={"slowburn": CLOY})

    actions, title = await _actions_for(sandbox, sora, general)
    refused = await sandbox.click(member=sora, message=actions, custom_id=f"rec:vs:{title}")
    assert refused.ephemeral
    assert refused.last_content == POLL_REFUSAL
    assert await _polls(resources) == 0

    actions, title = await _actions_for(sandbox, jun, general)  # jun has Watch Party
    started = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert started.last_content.startswith("Versus poll #"), started.last_content
    assert await _polls(resources) == 1


async def test_a_channel_where_poll_is_turned_off_refuses_the_button_there_only(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    jun, general = club.member("jun"), club.channel("general")
    parties = club.channel("watch-parties")
    club.set_command_permissions("poll", channels={parties: False})
    actions, title = await _actions_for(sandbox, jun, parties)
    refused = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert refused.last_content == (
        "This server has turned /poll off in this channel, so you can't start polls here; "
        "try another channel or ask a moderator."
    )
    assert await _polls(resources) == 0
    actions, title = await _actions_for(sandbox, jun, general)
    started = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert started.last_content.startswith("Versus poll #"), started.last_content


async def test_watchparty_restricted_refuses_the_party_button_before_its_form(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    club.set_command_permissions("watchparty", members={jun: True}, everyone=False)
    actions, title = await _actions_for(sandbox, sora, general)
    refused = await sandbox.click(member=sora, message=actions, custom_id=f"rec:wp:{title}")
    assert refused.modal is None
    assert refused.last_content == PARTY_REFUSAL
    actions, title = await _actions_for(sandbox, jun, general)
    form = await sandbox.click(member=jun, message=actions, custom_id=f"rec:wp:{title}")
    assert form.modal is not None, form.content
    assert form.modal["custom_id"] == f"rec:pf:{title}"


async def test_a_polls_hand_off_follows_who_may_use_watchparty(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    club.set_command_permissions("watchparty", roles={club.role("Watch Party"): True})
    club.set_command_permissions(None, everyone=False)  # the whole app: only what is allowed
    club.set_command_permissions("poll", everyone=True)
    await sandbox.slash(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "duration": "1h"},
    )
    message = await posted_poll(bot, resources, sandbox, general)
    await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:0")
    clock.advance(3600)
    await settled(bot, resources, clock)
    results = posts(sandbox, general)[-1]
    [handoff] = buttons(results)
    assert handoff["custom_id"] == "poll:1:party:0"

    refused = await sandbox.click(member=sora, message=results, custom_id="poll:1:party:0")
    assert refused.modal is None
    assert refused.content == PARTY_REFUSAL
    opened = await sandbox.click(member=jun, message=results, custom_id="poll:1:party:0")
    assert opened.modal is not None, opened.content
    assert opened.modal["title"] == "Watch party: Crash Landing on You"


async def test_when_the_overrides_cannot_be_read_the_commands_own_default_decides(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    """/poll has no default_member_permissions, so without the server's overrides the button
    lets everyone start one, as Discord would on a server that changed nothing."""
    sora, general = club.member("sora"), club.channel("general")
    club.set_command_permissions("poll", everyone=False)
    sandbox.fail_next("GET", PERMISSIONS_ROUTE, 403, code=50001, message="Missing Access")
    actions, title = await _actions_for(sandbox, sora, general)
    started = await sandbox.click(member=sora, message=actions, custom_id=f"rec:vs:{title}")
    assert started.last_content.startswith("Versus poll #"), started.last_content
    assert await _polls(resources) == 1
    assert sandbox.pending_faults == []  # the read was tried, and failed
    clock.advance(16)  # a failed read is retried soon
    actions, title = await _actions_for(sandbox, sora, general)
    refused = await sandbox.click(member=sora, message=actions, custom_id=f"rec:vs:{title}")
    assert refused.last_content == POLL_REFUSAL
    assert await _polls(resources) == 1


async def test_an_admins_change_shows_within_a_minute(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    jun, general = club.member("jun"), club.channel("general")
    actions, title = await _actions_for(sandbox, jun, general)
    started = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert started.last_content.startswith("Versus poll #"), started.last_content
    club.set_command_permissions("poll", members={jun: False})
    clock.advance(61)
    refused = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert refused.last_content == POLL_REFUSAL
    assert await _polls(resources) == 1


async def test_an_admins_change_applies_at_once_when_discord_says_so(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    jun, general = club.member("jun"), club.channel("general")
    actions, title = await _actions_for(sandbox, jun, general)
    started = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert started.last_content.startswith("Versus poll #"), started.last_content
    club.set_command_permissions("poll", members={jun: False})
    [poll] = [c for c in sandbox.synced_commands() if c["name"] == "poll"]
    await sandbox.dispatch(
        "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
        {
            "id": poll["id"],
            "application_id": str(bot.application_id),
            "guild_id": club.id,
            "permissions": [{"id": jun.id, "type": 2, "permission": False}],
        },
    )
    refused = await sandbox.click(member=jun, message=actions, custom_id=f"rec:vs:{title}")
    assert refused.last_content == POLL_REFUSAL  # no minute to wait
    assert await _polls(resources) == 1
