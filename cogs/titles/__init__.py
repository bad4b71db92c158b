"""/title: title cards on the story compass."""

from bot.client import WatchClubBot
from cogs.titles.cog import TitleCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(TitleCommands(bot))
