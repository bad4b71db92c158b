"""/timezone: every member's own zone."""

from __future__ import annotations

from sandbox import Sandbox


async def test_member_sets_sees_and_resets_their_timezone(bot, sandbox: Sandbox, world):
    club = world.guild("K-Drama Club")
    sora, general = club.member("sora"), club.channel("general")

    shown = await sandbox.slash("timezone", member=sora, channel=general)
    assert shown.ephemeral
    assert "this server has no default" in shown.content

    saved = await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "seoul"})
    assert saved.embeds[0]["description"] == "Your timezone is now `Asia/Seoul`."
    shown = await sandbox.slash("timezone", member=sora, channel=general)
    assert shown.content == "Your timezone is `Asia/Seoul`."

    await sandbox.slash(
        "config timezone", member=club.member("mina"), channel=general, options={"zone": "UTC"}
    )
    reset = await sandbox.slash("timezone", member=sora, channel=general, options={"zone": "reset"})
    assert "server default `UTC` is used" in reset.embeds[0]["description"]


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
