"""The sandbox itself, exercised by a tiny real discord.py bot over real HTTP and websockets."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from sandbox import (
    CommandNotPermittedError,
    InteractionTimeoutError,
    Sandbox,
    UnsyncedCommandError,
    World,
)
from sandbox.gateway import HEARTBEAT_ACK_DELAY
from sandbox.testing import start_client
from tests.support.waiting import eventually

TITLES = ["Toradora!", "Tokyo Godfather", "Goblin", "Tomorrow"]


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Slow-burn", custom_id="vote:slow")
    async def slow(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        button.disabled = True
        await interaction.response.edit_message(content="You picked slow-burn", view=self)


class SuggestModal(discord.ui.Modal, title="Suggest a title"):
    name = discord.ui.TextInput(label="Title", custom_id="title")
    why = discord.ui.TextInput(label="Why", custom_id="why", required=False)

    def __init__(self) -> None:
        super().__init__(custom_id="suggest")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"Thanks for suggesting {self.name.value}", ephemeral=True
        )


def make_bot(guild_id: str, *, intents: discord.Intents | None = None) -> commands.Bot:
    bot = commands.Bot(
        command_prefix="!",
        intents=intents or discord.Intents.default(),
        help_command=None,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    bot.seen_messages = []  # type: ignore[attr-defined]
    bot.votes = []  # type: ignore[attr-defined]

    config = app_commands.Group(name="config", description="Server settings")

    @config.command(name="timezone", description="Set the server timezone")
    async def timezone(interaction: discord.Interaction, zone: str, days: int = 1) -> None:
        await interaction.response.send_message(f"Server timezone set to {zone}", ephemeral=True)

    bot.tree.add_command(config)

    @bot.tree.command(name="poll", description="Vote on the next show")
    async def poll(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Slow-burn or fantasy?", view=VoteView())

    @bot.tree.command(name="suggest", description="Suggest a title")
    async def suggest(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(SuggestModal())

    @bot.tree.command(name="title", description="Show a title card")
    async def title(interaction: discord.Interaction, name: str) -> None:
        await interaction.response.send_message(
            embed=discord.Embed(title=name, description="A show")
        )

    @title.autocomplete("name")
    async def title_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=t, value=t)
            for t in TITLES
            if t.lower().startswith(current.lower())
        ]

    @bot.tree.command(name="slow", description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.01)
        await interaction.followup.send("Done thinking")

    @bot.tree.command(name="announce", description="Post an announcement once")
    async def announce(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        first = await interaction.channel.send("Watch party tonight!", nonce="party-1")
        again = await interaction.channel.send("Watch party tonight!", nonce="party-1")
        same = "same" if first.id == again.id else "different"
        await interaction.response.send_message(f"posted ({same} message)", ephemeral=True)

    @bot.tree.command(name="remind", description="DM a member")
    async def remind(interaction: discord.Interaction, member: discord.Member) -> None:
        try:
            await member.send("Reminder: watch party in 1 hour")
        except discord.Forbidden as error:
            await interaction.response.send_message(f"Could not DM ({error.code})", ephemeral=True)
        else:
            await interaction.response.send_message("Reminded", ephemeral=True)

    @bot.tree.command(name="busy", description="Defer, edit, follow up")
    async def busy(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="step 1")
        extra = await interaction.followup.send("step 2", wait=True)
        await extra.edit(content="step 2, edited")
        await interaction.followup.send("step 3", ephemeral=True)

    @bot.tree.command(name="vote", description="A native poll")
    async def vote(interaction: discord.Interaction) -> None:
        poll = discord.Poll(question="Slow-burn or fantasy?", duration=dt.timedelta(hours=1))
        poll.add_answer(text="Slow-burn")
        poll.add_answer(text="Fantasy")
        await interaction.response.send_message(poll=poll)

    @bot.tree.command(name="genre", description="Pick genres")
    async def genre(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=None)
        select: discord.ui.Select[discord.ui.View] = discord.ui.Select(
            custom_id="genre",
            max_values=2,
            options=[
                discord.SelectOption(label="Romance", value="romance"),
                discord.SelectOption(label="Fantasy", value="fantasy"),
            ],
        )

        async def chosen(choice: discord.Interaction) -> None:
            await choice.response.send_message(f"picked {', '.join(select.values)}")

        select.callback = chosen  # type: ignore[method-assign]
        view.add_item(select)
        await interaction.response.send_message("Genres?", view=view)

    @bot.event
    async def on_raw_poll_vote_add(payload: discord.RawPollVoteActionEvent) -> None:
        bot.votes.append(payload.answer_id)  # type: ignore[attr-defined]

    @bot.tree.command(name="admin", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin ok", ephemeral=True)

    @bot.tree.command(name="never", description="Never answers")
    async def never(interaction: discord.Interaction) -> None:
        await asyncio.sleep(30)

    @bot.tree.command(
        name="club", description="Only in the club guild", guild=discord.Object(int(guild_id))
    )
    async def club(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("club only")

    @bot.event
    async def on_message(message: discord.Message) -> None:
        bot.seen_messages.append(message)  # type: ignore[attr-defined]

    async def setup_hook() -> None:
        await bot.tree.sync()
        await bot.tree.sync(guild=discord.Object(int(guild_id)))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
def world() -> World:
    return World.default()


@pytest.fixture
async def sb(world: World):
    async with Sandbox(world) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []


@pytest.fixture
async def bot(sb: Sandbox, world: World):
    client = make_bot(world.guild("K-Drama Club").id)
    async with start_client(client, sb):
        await sb.wait_synced(count=2)
        yield client


@pytest.fixture
def club(world: World):
    return world.guild("K-Drama Club")


# -- login, sync, gateway ---------------------------------------------------------------------


async def test_login_sync_identify(sb: Sandbox, bot: commands.Bot, club) -> None:
    calls = [(r.method, r.route) for r in sb.requests]
    assert calls[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    assert ("PUT", "/applications/{application_id}/commands") in calls
    assert {c["name"] for c in sb.synced_commands()} >= {"config", "poll", "title"}
    assert [c["name"] for c in sb.synced_commands(club)] == ["club"]
    assert sb.identify_count == 1
    assert sb.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert bot.user is not None
    assert bot.user.name == "watchclub"
    guild = bot.get_guild(int(club.id))
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "watch-parties"}
    assert guild.member_count == len(club.members)
    assert sb.unknown_routes == []
    assert all(
        r.response_headers.get("Content-Type", "application/json") == "application/json"
        for r in sb.requests
    )


async def test_wrong_token_fails_login(sb: Sandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            sb.api_base_url + "/users/@me", headers={"Authorization": "Bot nope"}
        ) as response,
    ):
        assert response.status == 401
        assert response.headers["Content-Type"] == "application/json"
        assert (await response.json())["code"] == 0
    client = discord.Client(intents=discord.Intents.none())
    with pytest.raises(discord.LoginFailure):
        async with start_client(client, sb, token="not-the-token"):
            pass
    assert sb.identify_count == 0


async def test_patches_are_restored(sb: Sandbox, world: World) -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    client = make_bot(world.guild("K-Drama Club").id)
    async with start_client(client, sb):
        assert sb.api_base_url == discord.http.Route.BASE
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


async def test_restarted_bot_identifies_again(sb: Sandbox, world: World, club) -> None:
    for _ in range(2):
        client = make_bot(club.id)
        async with start_client(client, sb):
            result = await sb.slash(
                "poll", member=club.member("jun"), channel=club.channel("general")
            )
            assert result.content == "Slow-burn or fantasy?"
    assert sb.identify_count == 2
    assert sb.sync_count == 4


async def test_reconnect_resumes_and_still_answers(sb: Sandbox, bot: commands.Bot, club) -> None:
    await sb.reconnect()
    assert sb.resume_count == 1
    assert sb.identify_count == 1
    result = await sb.slash("poll", member=club.member("sora"), channel=club.channel("general"))
    assert result.callback_type == 4


async def test_message_content_needs_the_intent(sb: Sandbox, bot: commands.Bot, club) -> None:
    await sb.say(club.member("jun"), club.channel("general"), "hello everyone")
    await eventually(lambda: bot.seen_messages)  # type: ignore[attr-defined]
    assert [m.content for m in bot.seen_messages] == [""]  # type: ignore[attr-defined]


# -- interactions -----------------------------------------------------------------------------


async def test_subcommand_ephemeral_reply(sb: Sandbox, bot: commands.Bot, club) -> None:
    mina, general = club.member("mina"), club.channel("general")
    result = await sb.slash(
        "config timezone", member=mina, channel=general, options={"zone": "Asia/Seoul"}
    )
    assert result.callback_type == 4
    assert result.ephemeral
    assert result.content == "Server timezone set to Asia/Seoul"
    assert result.message is not None
    assert result.message.visible_to == mina.id
    assert sb.messages(general) == []
    text = sb.transcript.render()
    assert "[#general] mina \u203a /config timezone zone:Asia/Seoul" in text
    assert "watchclub \u203a (only mina sees this) Server timezone set to Asia/Seoul" in text


async def test_options_are_checked_like_the_client(sb: Sandbox, bot: commands.Bot, club) -> None:
    mina, general = club.member("mina"), club.channel("general")
    with pytest.raises(ValueError, match="no option 'zon'"):
        await sb.slash("config timezone", member=mina, channel=general, options={"zon": "x"})
    with pytest.raises(ValueError, match="missing required option"):
        await sb.slash("config timezone", member=mina, channel=general, options={"days": 2})
    with pytest.raises(ValueError, match="integer"):
        await sb.slash(
            "config timezone", member=mina, channel=general, options={"zone": "x", "days": "2"}
        )
    with pytest.raises(ValueError, match="needs a subcommand"):
        await sb.slash("config", member=mina, channel=general)
    with pytest.raises(UnsyncedCommandError):
        await sb.slash("tournament", member=mina, channel=general)


async def test_guild_command_only_in_its_guild(sb: Sandbox, bot: commands.Bot, club) -> None:
    result = await sb.slash("club", member=club.member("jun"), channel=club.channel("general"))
    assert result.content == "club only"


async def test_button_updates_message_in_place(sb: Sandbox, bot: commands.Bot, club) -> None:
    jun, general = club.member("jun"), club.channel("general")
    result = await sb.slash("poll", member=jun, channel=general)
    assert result.message is not None
    assert not result.ephemeral
    assert result.message.custom_ids() == ["vote:slow"]
    clicked = await sb.click(member=jun, message=result.message, custom_id="vote:slow")
    assert clicked.callback_type == 7
    assert clicked.message is result.message
    assert result.message.content == "You picked slow-burn"
    assert result.message.components[0]["components"][0]["disabled"] is True
    assert [m.id for m in sb.messages(general)] == [result.message.id]
    with pytest.raises(ValueError, match="disabled"):
        await sb.click(member=jun, message=result.message, custom_id="vote:slow")
    assert "[Slow-burn (disabled)]" in sb.transcript.render()


async def test_modal_round_trip(sb: Sandbox, bot: commands.Bot, club) -> None:
    sora, general = club.member("sora"), club.channel("general")
    opened = await sb.slash("suggest", member=sora, channel=general)
    assert opened.callback_type == 9
    assert opened.modal is not None
    assert opened.modal["custom_id"] == "suggest"
    with pytest.raises(ValueError, match="required"):
        await sb.submit_modal(
            member=sora, channel=general, custom_id="suggest", values={"why": "x"}
        )
    submitted = await sb.submit_modal(
        member=sora, channel=general, custom_id="suggest", values={"title": "Goblin"}
    )
    assert submitted.content == "Thanks for suggesting Goblin"
    assert submitted.ephemeral


async def test_autocomplete_choices(sb: Sandbox, bot: commands.Bot, club) -> None:
    choices = await sb.autocomplete(
        "title",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"name": "to"},
        focused="name",
    )
    assert [c["name"] for c in choices] == ["Toradora!", "Tokyo Godfather", "Tomorrow"]


async def test_defer_then_followup_replaces_thinking(sb: Sandbox, bot: commands.Bot, club) -> None:
    result = await sb.slash("slow", member=club.member("jun"), channel=club.channel("general"))
    assert result.callback_type == 5
    assert result.message is not None
    assert not result.message.loading
    assert result.last_content == "Done thinking"
    assert result.content == "Done thinking"
    assert len(sb.messages(club.channel("general"))) == 1


async def test_unanswered_interaction_times_out_with_a_reason(
    sb: Sandbox, bot: commands.Bot, club
) -> None:
    sb._state.response_deadline = 0.2
    with pytest.raises(InteractionTimeoutError, match=r"/never by jun in #general"):
        await sb.slash(
            "never", member=club.member("jun"), channel=club.channel("general"), timeout=1
        )


# -- messages, DMs, faults ------------------------------------------------------------------------


async def test_nonce_with_enforce_nonce_posts_once(sb: Sandbox, bot: commands.Bot, club) -> None:
    general = club.channel("general")
    result = await sb.slash("announce", member=club.member("mina"), channel=general)
    assert result.content == "posted (same message)"
    assert [m.content for m in sb.messages(general)] == ["Watch party tonight!"]
    posts = [r for r in sb.requests if r.route == "/channels/{channel_id}/messages"]
    assert [r.json["enforce_nonce"] for r in posts] == [True, True]


async def test_closed_dms_forbid_with_50007(sb: Sandbox, bot: commands.Bot, club) -> None:
    sora = club.member("sora")
    sb.close_dms(sora)
    result = await sb.slash(
        "remind",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"member": sora},
    )
    assert result.content == "Could not DM (50007)"
    assert sb.dms(sora) == []
    assert "DM to sora not delivered" in sb.transcript.render()
    sb.open_dms(sora)
    await sb.slash(
        "remind",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"member": sora},
    )
    assert [m.content for m in sb.dms(sora)] == ["Reminder: watch party in 1 hour"]
    assert "watchclub \u2192 DM sora: Reminder: watch party in 1 hour" in sb.transcript.render()


async def test_rate_limit_is_retried_by_discord_py(sb: Sandbox, bot: commands.Bot, club) -> None:
    general = club.channel("general")
    sb.fail_next(
        method="POST", route="/channels/{channel_id}/messages", status=429, retry_after=0.05
    )
    channel = bot.get_channel(int(general.id))
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("after the rate limit")
    posts = [r for r in sb.requests if r.route == "/channels/{channel_id}/messages"]
    assert [r.status for r in posts] == [429, 200]
    assert posts[0].response_json["retry_after"] == 0.05
    assert sb.messages(general)[-1].id == str(sent.id)


async def test_injected_403_surfaces_as_forbidden(sb: Sandbox, bot: commands.Bot, club) -> None:
    sb.fail_next("POST", "/channels/{channel_id}/messages", 403)
    channel = bot.get_channel(int(club.channel("general").id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden) as raised:
        await channel.send("nope")
    assert raised.value.code == 50013


async def test_discord_limits_are_enforced(sb: Sandbox, bot: commands.Bot, club) -> None:
    channel = bot.get_channel(int(club.channel("general").id))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as raised:
        await channel.send("x" * 2001)
    assert raised.value.code == 50035
    big = [discord.Embed(description="y" * 4000) for _ in range(2)]
    with pytest.raises(discord.HTTPException, match="6000"):
        await channel.send(embeds=big)
    assert sb.messages(club.channel("general")) == []


async def test_unknown_route_is_recorded(sb: Sandbox, bot: commands.Bot, club) -> None:
    route = discord.http.Route(
        "GET", "/channels/{channel_id}/pins", channel_id=int(club.channel("general").id)
    )
    with pytest.raises(discord.NotFound) as raised:
        await bot.http.request(route)
    assert raised.value.code == 10000
    assert [(r.method, r.path) for r in sb.unknown_routes] == [
        ("GET", f"/channels/{club.channel('general').id}/pins")
    ]


async def test_scheduled_event_create_and_list(sb: Sandbox, bot: commands.Bot, club) -> None:
    guild = bot.get_guild(int(club.id))
    assert guild is not None
    start = discord.utils.utcnow() + dt.timedelta(days=1)
    event = await guild.create_scheduled_event(
        name="Goblin night",
        start_time=start,
        end_time=start + dt.timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location="Online",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    await sb.settle(quiet=0.05)
    assert [e["name"] for e in sb.scheduled_events(club)] == ["Goblin night"]
    fetched = await guild.fetch_scheduled_events()
    assert [e.id for e in fetched] == [event.id]
    assert guild.get_scheduled_event(event.id) is not None  # GUILD_SCHEDULED_EVENT_CREATE arrived
    assert 'scheduled "Goblin night"' in sb.transcript.render()


async def test_deferred_ephemeral_edits_and_followups(sb: Sandbox, bot: commands.Bot, club) -> None:
    general = club.channel("general")
    result = await sb.slash("busy", member=club.member("mina"), channel=general)
    await sb.settle(quiet=0.05)
    assert result.callback_type == 5
    assert result.ephemeral
    assert result.content == "step 1"
    assert [m.content for m in result.followups] == ["step 2, edited", "step 3"]
    assert [e["content"] for e in result.edits] == ["step 1", "step 2, edited"]
    assert result.last_content == "step 3"
    # The defer was ephemeral; the un-flagged follow-up is public, the flagged one is not.
    assert [m.content for m in sb.messages(general)] == ["step 2, edited"]


async def test_second_ack_and_unknown_token(sb: Sandbox, bot: commands.Bot, club) -> None:
    result = await sb.slash("poll", member=club.member("jun"), channel=club.channel("general"))
    url = f"{sb.api_base_url}/interactions/{result.interaction_id}/{result.token}/callback"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as response:
            assert response.status == 400
            assert (await response.json())["code"] == 40060
        wrong = f"{sb.api_base_url}/interactions/{result.interaction_id}/not-the-token/callback"
        async with session.post(wrong, json={"type": 4, "data": {"content": "x"}}) as response:
            assert response.status == 404
            assert (await response.json())["code"] == 10062


async def test_string_select(sb: Sandbox, bot: commands.Bot, club) -> None:
    jun, general = club.member("jun"), club.channel("general")
    menu = await sb.slash("genre", member=jun, channel=general)
    with pytest.raises(ValueError, match="no option"):
        await sb.select(member=jun, message=menu.message, custom_id="genre", values=["horror"])
    picked = await sb.select(
        member=jun, message=menu.message.id, custom_id="genre", values=["romance", "fantasy"]
    )
    assert picked.content == "picked romance, fantasy"


async def test_poll_vote_reaches_the_bot(sb: Sandbox, bot: commands.Bot, club) -> None:
    result = await sb.slash("vote", member=club.member("mina"), channel=club.channel("general"))
    assert result.message is not None
    assert result.message.poll is not None
    assert [a["poll_media"]["text"] for a in result.message.poll["answers"]] == [
        "Slow-burn",
        "Fantasy",
    ]
    await sb.vote(club.member("jun"), result.message, "Fantasy")
    await eventually(lambda: bot.votes)  # type: ignore[attr-defined]
    assert bot.votes == [2]  # type: ignore[attr-defined]


async def test_transcript_shows_embeds_and_buttons(sb: Sandbox, bot: commands.Bot, club) -> None:
    await sb.slash(
        "title",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"name": "Goblin"},
    )
    await sb.slash("poll", member=club.member("sora"), channel=club.channel("general"))
    text = sb.transcript.render()
    assert "\u256d\u2500 Goblin" in text
    assert "\u2502 A show" in text
    assert "[Slow-burn]" in text


async def test_members_intent_sends_everyone_and_answers_chunks(
    sb: Sandbox, world: World, club
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    client = make_bot(club.id, intents=intents)
    async with start_client(client, sb):
        await sb.settle(quiet=0.05)
        guild = client.get_guild(int(club.id))
        assert guild is not None
        assert guild.chunked
        assert {m.name for m in guild.members} == {"watchclub", "mina", "jun", "sora"}
        found = await guild.query_members("ju")
        assert [m.name for m in found] == ["jun"]


async def test_events_need_their_intent(sb: Sandbox, club) -> None:
    client = make_bot(club.id, intents=discord.Intents(guilds=True))
    async with start_client(client, sb):
        await sb.say(club.member("jun"), club.channel("general"), "nobody hears this")
        delivered = await sb.dispatch(
            "GUILD_SCHEDULED_EVENT_DELETE", {"guild_id": club.id, "id": "1"}
        )
        await asyncio.sleep(0.05)
        assert client.seen_messages == []  # type: ignore[attr-defined]
        assert delivered == 0


async def test_default_member_permissions_hide_commands(
    sb: Sandbox, bot: commands.Bot, club
) -> None:
    general = club.channel("general")
    assert sb.synced_commands()[0]["default_member_permissions"] is None
    with pytest.raises(CommandNotPermittedError, match="jun cannot see /admin"):
        await sb.slash("admin", member=club.member("jun"), channel=general)
    assert (
        await sb.slash("admin", member=club.member("mina"), channel=general)
    ).content == "admin ok"
    club.override_command_permissions("admin")  # what a server admin can do in Integrations
    assert (
        await sb.slash("admin", member=club.member("jun"), channel=general)
    ).content == "admin ok"


async def test_commands_work_in_dms(sb: Sandbox, bot: commands.Bot, club) -> None:
    jun = club.member("jun")
    result = await sb.slash("poll", member=jun.user)
    assert result.message is not None
    assert result.message.channel_id == sb.dm_channel(jun).id
    assert sb.identify_intents == discord.Intents.default().value


async def test_a_heartbeat_is_acknowledged_after_a_network_delay(sb: Sandbox) -> None:
    """An instant acknowledgement races discord.py's heartbeat thread into logging "Can't keep
    up … 41.3s behind"; Discord's answer always takes a round trip."""
    async with aiohttp.ClientSession() as session, session.ws_connect(sb.gateway_url) as socket:
        hello = await socket.receive_json()
        assert hello["op"] == 10
        sent = asyncio.get_running_loop().time()
        await socket.send_json({"op": 1, "d": None})
        ack = await socket.receive_json()
        waited = asyncio.get_running_loop().time() - sent
    assert ack["op"] == 11
    assert waited >= HEARTBEAT_ACK_DELAY * 0.9  # asyncio may wake a timer a tick early
