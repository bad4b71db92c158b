"""/poll: versus face-offs, community votes, brackets and the server's story compass."""

from __future__ import annotations

from bot.client import WatchClubBot
from cogs.polls.cog import PollCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(PollCommands(bot))
