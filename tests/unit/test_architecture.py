"""The house rules fail the build: each check passes on the real tree and fails on a planted
violation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord import app_commands

from bot.client import WatchClubBot, create_bot
from bot.config import Settings
from bot.extensions import EXTENSIONS
from bot.resources import open_resources
from cogs.general.help import section_of
from tests.support.architecture import (
    cog_packages,
    duplicate_names,
    import_violations,
    unloaded_cogs,
)


def test_the_tree_keeps_every_import_rule():
    assert [str(v) for v in import_violations()] == []


def _plant(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)


@pytest.mark.parametrize(
    ("relative", "source", "rule"),
    [
        ("bot/polls/service.py", "import discord\n", "must not import discord"),
        ("bot/polls/service.py", "from discord.ext import commands\n", "must not import discord"),
        ("bot/polls/service.py", "from cogs.titles import embeds\n", "must not import cogs/"),
        ("bot/polls/service.py", "from sandbox import Sandbox\n", "only the demo"),
        ("cogs/polls/cog.py", "from bot.storage.database import Database\n", "bot.storage"),
        ("cogs/polls/cog.py", "from bot import storage\n", "bot.storage"),
        ("cogs/polls/cog.py", "from bot.polls.repository import X\n", "repository"),
        ("sandbox/extra.py", "from bot.config import Settings\n", "sandbox/ must not"),
        ("sandbox/extra.py", "def f():\n    import cogs.titles\n", "sandbox/ must not"),
    ],
)
def test_a_planted_import_violation_fails(tmp_path: Path, relative: str, source: str, rule: str):
    _plant(tmp_path, "bot/client.py", "import discord\n")
    _plant(tmp_path, "bot/demo.py", "from sandbox import Sandbox\n")
    _plant(tmp_path, "cogs/polls/embeds.py", "import discord\nfrom bot.polls.models import Poll\n")
    _plant(tmp_path, relative, source)
    violations = import_violations(tmp_path)
    assert [v.path for v in violations] == [relative]
    assert rule in violations[0].rule


def test_every_cog_package_is_loaded():
    packages = cog_packages()
    assert packages, "no cog packages found"
    assert unloaded_cogs(packages, EXTENSIONS) == []


def test_a_cog_package_missing_from_the_extensions_fails(tmp_path: Path):
    _plant(tmp_path, "cogs/polls/__init__.py", "async def setup(bot):\n    pass\n")
    _plant(tmp_path, "cogs/titles/__init__.py", "async def setup(bot):\n    pass\n")
    assert unloaded_cogs(cog_packages(tmp_path), ["cogs.titles"]) == ["cogs.polls"]


@pytest.fixture
async def loaded_bot(tmp_path: Path) -> AsyncIterator[WatchClubBot]:
    """The bot with every extension loaded, not connected to anything."""
    settings = Settings(_env_file=None, database=tmp_path / "db.sqlite3", offline=True)  # type: ignore[call-arg]
    async with open_resources(settings) as resources:
        bot = create_bot(settings, resources)
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        yield bot
        for extension in EXTENSIONS:
            await bot.unload_extension(extension)


def _commands(bot: WatchClubBot) -> list[app_commands.Command]:
    return [
        command
        for cog in bot.cogs.values()
        for command in cog.walk_app_commands()
        if isinstance(command, app_commands.Command)
    ]


async def test_no_two_commands_share_a_name(loaded_bot: WatchClubBot):
    names = [command.qualified_name for command in _commands(loaded_bot)]
    assert "title" in names
    assert duplicate_names(names) == []


def test_a_planted_duplicate_command_name_fails():
    assert duplicate_names(["title", "config show", "poll create", "title"]) == ["title"]


async def test_every_command_has_a_help_section(loaded_bot: WatchClubBot):
    missing = [c.qualified_name for c in _commands(loaded_bot) if section_of(c) is None]
    assert missing == []


def test_a_command_without_a_help_section_is_caught():
    async def callback(interaction) -> None: ...

    planted = app_commands.Command(name="plant", description="planted", callback=callback)
    assert section_of(planted) is None
    filed = app_commands.Command(
        name="plant", description="planted", callback=callback, extras={"help_section": "find"}
    )
    assert section_of(filed) == "find"
