"""/recommend: picks with reasons, and what to do with them (watchlist, not interested, a versus
poll, a watch party)."""

from __future__ import annotations

from bot.client import WatchClubBot
from cogs.recommend.cog import RecommendCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(RecommendCommands(bot))
