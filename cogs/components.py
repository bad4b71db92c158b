"""Buttons and menus sent with a reply, never kept in discord.py's view store.

Every component the bot sends is a DynamicItem, which discord.py dispatches by its custom_id
alone. A view it stores is kept for nothing: a public reply's view stays until a restart, and a
private reply's gets a 15-minute timeout task of its own (`InteractionResponse.send_message`
sets one). Under load that was hundreds of idle tasks (`python -m bench load`). A stopped view
still renders its components, and discord.py stores no view that is finished.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord


def components(items: Iterable[discord.ui.Item[Any]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view
