"""/rate, /watched, /notinterested, /watchlist and /privacy: what members tell the bot."""

from __future__ import annotations

from bot.client import WatchClubBot
from cogs.taste.cog import TasteCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(TasteCommands(bot))
