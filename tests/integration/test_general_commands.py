"""/help and /about as a member sees them."""

from __future__ import annotations

from sandbox import Sandbox


def _field(embed: dict, name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_help_lists_the_commands_with_section_buttons(bot, sandbox: Sandbox, world):
    guild = world.guild("K-Drama Club")
    result = await sandbox.slash(
        "help", member=guild.member("sora"), channel=guild.channel("general")
    )
    assert result.ephemeral
    embed = result.embeds[0]
    assert "slow-burn" in embed["description"]
    assert "`/config timezone`" in _field(embed, "Settings")
    labels = [c["label"] for row in result.components for c in row["components"]]
    assert labels == ["Find a show", "Decide together", "Watch together", "Settings", "About"]
    assert "`/poll versus`" in _field(embed, "Decide together")


async def test_help_buttons_switch_sections(bot, sandbox: Sandbox, world):
    guild = world.guild("K-Drama Club")
    sora = guild.member("sora")
    shown = await sandbox.slash("help", member=sora, channel=guild.channel("general"))
    clicked = await sandbox.click(member=sora, message=shown.message, custom_id="help:settings")
    assert clicked.callback_type == 7  # the help message is updated in place
    embed = clicked.embeds[0]
    assert embed["title"] == "watchclub: Settings"
    assert "`/config reminders`: When reminders go out" in embed["fields"][0]["value"]


async def test_help_buttons_survive_a_restart(sandbox: Sandbox, world, settings):
    """The button's custom_id alone names the section, so a fresh process can answer it."""
    from bot.client import create_bot
    from bot.resources import open_resources
    from sandbox.testing import start_client

    guild = world.guild("K-Drama Club")
    sora = guild.member("sora")
    async with (
        open_resources(settings) as resources,
        start_client(create_bot(settings, resources), sandbox),
    ):
        await sandbox.wait_synced()
        shown = await sandbox.slash("help", member=sora, channel=guild.channel("general"))
    async with (
        open_resources(settings) as resources,
        start_client(create_bot(settings, resources), sandbox),
    ):
        await sandbox.wait_identified()
        clicked = await sandbox.click(member=sora, message=shown.message, custom_id="help:about")
    assert clicked.embeds[0]["title"] == "watchclub: About"


async def test_about_shows_version_uptime_storage_and_attribution(bot, sandbox: Sandbox, world):
    guild = world.guild("K-Drama Club")
    result = await sandbox.slash(
        "about", member=guild.member("jun"), channel=guild.channel("general")
    )
    embed = result.embeds[0]
    assert result.ephemeral
    assert _field(embed, "Servers") == "1"
    assert _field(embed, "Database").endswith("KiB")
    assert "TMDB (films, more dramas): not configured" in _field(embed, "Title data")
    assert "AniList" in embed["footer"]["text"]
    assert "not endorsed or certified by TMDB" in embed["footer"]["text"]
    assert _field(embed, "Uptime").startswith(("0s", "1s", "2s", "3s"))
