"""/help and /about."""

from bot.client import WatchClubBot
from cogs.general.cog import GeneralCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(GeneralCommands(bot))
