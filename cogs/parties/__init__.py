"""/watchparty: watch parties with RSVPs, reminders, series and calendars."""

from __future__ import annotations

from bot.client import WatchClubBot
from cogs.parties.cog import WatchPartyCommands


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(WatchPartyCommands(bot))
