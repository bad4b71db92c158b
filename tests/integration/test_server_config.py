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
    assert tz.embeds[0]["description"] == "Default timezone is now Asia/Seoul (UTC+09:00)."
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
    assert fields["Default timezone"] == "Asia/Seoul (UTC+09:00)"
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
    assert choices[0] == {"name": "Asia/Seoul (UTC+09:00)", "value": "Asia/Seoul"}


async def test_timezone_by_offset_is_saved_and_shown_as_that_offset(bot, sandbox: Sandbox, club):
    mina, general = club.member("mina"), club.channel("general")
    choices = await sandbox.autocomplete(
        "config timezone", member=mina, channel=general, options={"zone": "+09:00"}, focused="zone"
    )
    assert {"name": "UTC+09:00 (no daylight saving)", "value": "Etc/GMT-9"} in choices
    assert not any(choice["value"].startswith("Etc/GMT+") for choice in choices)

    saved = await sandbox.slash(
        "config timezone", member=mina, channel=general, options={"zone": "UTC+9"}
    )
    assert saved.embeds[0]["description"].startswith(
        "Default timezone is now UTC+09:00 (no daylight saving)."
    )
    assert (await _stored(bot, club)).timezone == "Etc/GMT-9"
    shown = await sandbox.slash("config show", member=mina, channel=general)
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    assert fields["Default timezone"] == "UTC+09:00 (no daylight saving)"


async def test_ambiguous_cst_asks_which_is_meant(bot, sandbox: Sandbox, club):
    result = await sandbox.slash(
        "config timezone",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"zone": "CST"},
    )
    assert result.ephemeral
    for zone in ("`Asia/Shanghai`", "`America/Chicago`", "`America/Havana`"):
        assert zone in result.content
    assert "Nothing was saved." in result.content
    assert (await _stored(bot, club)).updated_at is None


async def test_lead_times_read_full_width_digits_and_refuse_a_repeated_unit(
    bot, sandbox: Sandbox, club
):
    mina, general = club.member("mina"), club.channel("general")
    repeated = await sandbox.slash(
        "config reminders", member=mina, channel=general, options={"lead_times": "1h1h"}
    )
    assert repeated.content.startswith("`1h1h` gives a unit twice")
    assert (await _stored(bot, club)).updated_at is None

    wide = await sandbox.slash(
        "config reminders",
        member=mina,
        channel=general,
        options={"lead_times": "\uff11\uff44 \uff11\uff15\uff4d"},  # full-width "1d 15m"
    )
    assert wide.embeds[0]["description"] == "Reminders: 1d before, 15m before."
    assert (await _stored(bot, club)).reminder_lead_minutes == (1440, 15)


async def test_clearing_the_channel(bot, sandbox: Sandbox, club):
    mina, general = club.member("mina"), club.channel("general")
    await sandbox.slash(
        "config channel", member=mina, channel=general, options={"channel": general}
    )
    cleared = await sandbox.slash("config channel", member=mina, channel=general)
    assert "where each watch party is created" in cleared.embeds[0]["description"]
    assert (await _stored(bot, club)).announcement_channel_id is None
