"""What every command taking a title shares: the id a picked suggestion carries, and the
suggestions offered as a member types."""

from __future__ import annotations

import re
from typing import Final

from discord import app_commands

from bot.metadata.service import TitleService

# A picked suggestion's value: "<source>:<id>". Anything else is text the member typed.
TITLE_ID: Final = re.compile(r"^(anilist|tvmaze|tmdb|catalog):[A-Za-z0-9_-]{1,80}$")
CHOICE_MAX: Final = 100  # Discord's limit for a choice's name and for what is searched


def is_title_id(text: str) -> bool:
    return TITLE_ID.match(text) is not None


def title_choices(titles: TitleService, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=s.label[:CHOICE_MAX], value=s.title_id)
        for s in titles.suggest(current[:CHOICE_MAX])
    ]
