"""/timezone: a member's own settings."""

from bot.client import WatchClubBot
from cogs.members.cog import MemberSettingsCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(MemberSettingsCommands(bot))
