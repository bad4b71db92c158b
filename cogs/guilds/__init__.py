"""/config: a server's settings."""

from bot.client import WatchClubBot
from cogs.guilds.cog import GuildSettingsCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(GuildSettingsCommands(bot))
