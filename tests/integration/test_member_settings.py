"""/timezone: every member's own zone."""

from __future__ import annotations

from sandbox import Sandbox


async def _stored_zone(resources, member):
    row = await resources.db.fetchone(
        "SELECT timezone FROM member_settings WHERE user_id = ?", (int(member.id),)
    )
    return row["timezone"] if row else None


async def test_member_sets_sees_and_resets_their_timezone(bot, sandbox: Sandbox, world):
    club = world.guild("K-Drama Club")
    sora, general = club.member("sora"), club.channel("general")

    shown = await sandbox.slash("timezone", member=sora, channel=general)
    assert shown.ephemeral
    assert "this server has no default" in shown.content

    saved = await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "seoul"})
    assert saved.embeds[0]["description"] == "Your timezone is now Asia/Seoul (UTC+09:00)."
    shown = await sandbox.slash("timezone", member=sora, channel=general)
    assert shown.content == "Your timezone is Asia/Seoul (UTC+09:00)."

    await sandbox.slash(
        "config timezone", member=club.member("mina"), channel=general, options={"zone": "UTC"}
    )
    reset = await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "reset"})
    assert "server default UTC+00:00 (no daylight saving) is used" in reset.embeds[0]["description"]


async def test_unknown_zone_is_explained(bot, sandbox: Sandbox, world):
    club = world.guild("K-Drama Club")
    result = await sandbox.slash(
        "timezone",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"zone": "Hogwarts"},
    )
    assert result.ephemeral
    assert "is not a timezone I know" in result.content


async def test_gmt_plus_9_autocompletes_to_zones_nine_hours_ahead(bot, sandbox: Sandbox, world):
    club = world.guild("K-Drama Club")
    choices = await sandbox.autocomplete(
        "timezone",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"zone": "GMT+9"},
        focused="zone",
    )
    assert choices[:3] == [
        {"name": "Asia/Seoul (UTC+09:00)", "value": "Asia/Seoul"},
        {"name": "Asia/Tokyo (UTC+09:00)", "value": "Asia/Tokyo"},
        {"name": "UTC+09:00 (no daylight saving)", "value": "Etc/GMT-9"},
    ]
    assert not any(choice["value"].startswith("Etc/GMT+") for choice in choices)


async def test_typed_offsets_and_abbreviations_are_saved_as_what_they_mean(
    bot, sandbox: Sandbox, world, resources
):
    club = world.guild("K-Drama Club")
    sora, general = club.member("sora"), club.channel("general")

    offset = await sandbox.slash(
        "timezone", member=sora, channel=general, options={"zone": "GMT+9"}
    )
    description = offset.embeds[0]["description"]
    assert description.startswith("Your timezone is now UTC+09:00 (no daylight saving).")
    assert "pick your city instead, such as `Asia/Seoul`" in description
    assert await _stored_zone(resources, sora) == "Etc/GMT-9"

    india = await sandbox.slash(
        "timezone", member=sora, channel=general, options={"zone": "UTC+5:30"}
    )
    assert india.embeds[0]["description"].startswith(
        "Your timezone is now Asia/Kolkata (UTC+05:30)."
    )
    assert await _stored_zone(resources, sora) == "Asia/Kolkata"

    korea = await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "KST"})
    assert korea.embeds[0]["description"] == "Your timezone is now Asia/Seoul (UTC+09:00)."
    assert await _stored_zone(resources, sora) == "Asia/Seoul"


async def test_ambiguous_ist_lists_every_meaning_and_saves_nothing(
    bot, sandbox: Sandbox, world, resources
):
    club = world.guild("K-Drama Club")
    jun, general = club.member("jun"), club.channel("general")

    choices = await sandbox.autocomplete(
        "timezone", member=jun, channel=general, options={"zone": "IST"}, focused="zone"
    )
    assert [choice["value"] for choice in choices[:3]] == [
        "Asia/Kolkata",
        "Europe/Dublin",
        "Asia/Jerusalem",
    ]
    assert choices[0]["name"] == "Asia/Kolkata (UTC+05:30), IST in India"

    result = await sandbox.slash("timezone", member=jun, channel=general, options={"zone": "IST"})
    assert result.ephemeral
    assert result.content.startswith("`IST` means different times in different places:")
    for zone in ("`Asia/Kolkata`", "`Europe/Dublin`", "`Asia/Jerusalem`"):
        assert zone in result.content
    assert "Nothing was saved." in result.content
    assert await _stored_zone(resources, jun) is None
