"""Forms (modals) answered by custom_id rather than by the `Modal` object that was sent, so a form
opened before a restart is still answered after it: discord.py keeps sent modals in memory
only. A cog's `on_interaction` listener matches the form's custom_id and reads its fields here.
"""

from __future__ import annotations

import re
from typing import Any

import discord


def submitted_form(
    interaction: discord.Interaction, pattern: re.Pattern[str]
) -> re.Match[str] | None:
    """The match of a submitted form's custom_id, or None for any other interaction."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: Any = interaction.data or {}
    return pattern.match(str(data.get("custom_id", "")))


def form_values(interaction: discord.Interaction) -> dict[str, str]:
    """The text fields of a submitted form, by custom_id."""
    values: dict[str, str] = {}
    data: Any = interaction.data or {}
    for row in data.get("components", []):
        # An action row holds its inputs in "components"; a label holds one in "component".
        inner = row.get("components") or [row.get("component") or {}]
        for component in inner:
            custom_id = component.get("custom_id")
            if isinstance(custom_id, str):
                values[custom_id] = str(component.get("value") or "")
    return values
