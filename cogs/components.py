"""Buttons, menus and forms sent to a member, never kept in discord.py's view store.

Every component the bot sends is a DynamicItem, which discord.py dispatches by its custom_id
alone, and every form is answered by its cog's listener by custom_id (so a form sent before a
restart is still answered). A stored view or form is kept for nothing: a private reply's view
gets a 15-minute timeout task of its own (`InteractionResponse.send_message` sets one), and a
form without a timeout stays until a restart once its member closes it. Under load that was
hundreds of idle timeout tasks (`python -m bench load`). A stopped view still renders its
components, and discord.py stores no view or form that is finished.
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
    assert view.is_finished(), "a view stops only inside the running event loop"
    return view


def form(modal: discord.ui.Modal) -> discord.ui.Modal:
    modal.stop()
    assert modal.is_finished(), "a form stops only inside the running event loop"
    return modal
