"""Both paths of the central error handler, through Discord."""

from __future__ import annotations

import logging
import re

from sandbox import Sandbox


async def test_unexpected_error_shows_only_a_code_and_logs_the_traceback(
    bot, resources, sandbox: Sandbox, world, caplog
):
    guild = world.guild("K-Drama Club")
    async with resources.db.transaction() as tx:
        await tx.execute("DROP TABLE guild_settings")  # simulate a broken database
    with caplog.at_level(logging.ERROR, logger="bot.error_handler"):
        result = await sandbox.slash(
            "config show", member=guild.member("mina"), channel=guild.channel("general")
        )
    assert result.ephemeral
    match = re.fullmatch(
        r"Something went wrong on my side \(error code `([0-9a-f]{6})`\)\. "
        r"It has been logged; please tell the server admins this code\.",
        result.content,
    )
    assert match, result.content
    assert "guild_settings" not in result.content
    record = next(r for r in caplog.records if match[1] in r.getMessage())
    assert record.exc_info is not None
    assert "no such table" in str(record.exc_info[1])


async def test_expected_error_is_shown_as_is(bot, sandbox: Sandbox, world):
    guild = world.guild("K-Drama Club")
    result = await sandbox.slash(
        "config reminders",
        member=guild.member("mina"),
        channel=guild.channel("general"),
        options={"lead_times": "99w"},
    )
    assert result.ephemeral
    assert result.content.startswith("`99w` is out of range.")
    assert "error code" not in result.content
