"""/config through Discord: permission checks, validation and confirmations."""

from __future__ import annotations

import pytest

from sandbox import CommandNotPermittedError, Sandbox


@pytest.fixture
def club(world):
    return world.guild("K-Drama Club")


async def _stored(bot, club):
    return await bot.services.guild_settings.get(int(club.id))


async def test_admin_sets_every_setting_and_sees_it(bot, sandbox: Sandbox, club):
    mina, general = club.member("mina"), club.channel("general")
    tz = await sandbox.slash(
        "config timezone", member=mina, channel=general, options={"zone": "seoul"}
    )
    assert tz.ephemeral
    assert tz.embeds[0]["description"] == "Default timezone is now `Asia/Seoul`."
    rem = await sandbox.slash(
        "config reminders", member=mina, channel=general, options={"lead_times": "1d 15m"}
    )
    assert rem.embeds[0]["description"] == "Reminders: 1d before, 15m before."
    parties = club.channel("watch-parties")
    ch = await sandbox.slash(
        "config channel", member=mina, channel=general, options={"channel": parties}
    )
    assert ch.embeds[0]["description"] == f"Announcements will go to <#{parties.id}>."
    role = club.role("Watch Party")
    ro = await sandbox.slash("config role", member=mina, channel=general, options={"role": role})
    assert f"<@&{role.id}>" in ro.embeds[0]["description"]

    shown = await sandbox.slash("config show", member=mina, channel=general)
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Default timezone"] == "`Asia/Seoul`"
    assert fields["Announcement channel"] == f"<#{parties.id}>"
    assert fields["Reminders"] == "1d before, 15m before"
    assert fields["Watch-party role"].startswith(f"<@&{role.id}>")
    assert fields["Last change"].startswith(f"by <@{mina.id}>")

    stored = await _stored(bot, club)
    assert (stored.timezone, stored.announcement_channel_id) == ("Asia/Seoul", int(parties.id))


async def test_discord_hides_config_from_members_without_manage_server(bot, sandbox: Sandbox, club):
    with pytest.raises(CommandNotPermittedError):
        await sandbox.slash(
            "config show", member=club.member("jun"), channel=club.channel("general")
        )


async def test_bot_refuses_even_when_an_admin_opened_config_to_everyone(
    bot, sandbox: Sandbox, club
):
    club.override_command_permissions("config")  # Server Settings > Integrations override
    result = await sandbox.slash(
        "config timezone",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"zone": "Asia/Tokyo"},
    )
    assert result.ephemeral
    assert result.content == "You need the **Manage Server** permission to do that."
    assert (await _stored(bot, club)).timezone is None


async def test_bad_timezone_explains_and_writes_nothing(bot, sandbox: Sandbox, club):
    result = await sandbox.slash(
        "config timezone",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"zone": "Mars/Olympus"},
    )
    assert result.ephemeral
    assert "is not a timezone I know" in result.content
    assert "`Asia/Seoul`" in result.content
    assert (await _stored(bot, club)).updated_at is None


async def test_bad_lead_times_explain_the_format(bot, sandbox: Sandbox, club):
    result = await sandbox.slash(
        "config reminders",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"lead_times": "whenever"},
    )
    assert "1d 1h 15m" in result.content
    assert (await _stored(bot, club)).updated_at is None


async def test_everyone_role_is_refused(bot, sandbox: Sandbox, club):
    everyone = club.role("@everyone")
    result = await sandbox.slash(
        "config role",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"role": everyone},
    )
    assert "@everyone can't be the watch-party role" in result.content
    assert result.message is None or result.message.allowed_mentions == {"parse": []}


async def test_timezone_autocomplete_suggests_zones(bot, sandbox: Sandbox, club):
    choices = await sandbox.autocomplete(
        "config timezone",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"zone": "seo"},
        focused="zone",
    )
    assert choices[0] == {"name": "Asia/Seoul", "value": "Asia/Seoul"}


async def test_clearing_the_channel(bot, sandbox: Sandbox, club):
    mina, general = club.member("mina"), club.channel("general")
    await sandbox.slash(
        "config channel", member=mina, channel=general, options={"channel": general}
    )
    cleared = await sandbox.slash("config channel", member=mina, channel=general)
    assert "where each watch party is created" in cleared.embeds[0]["description"]
    assert (await _stored(bot, club)).announcement_channel_id is None
