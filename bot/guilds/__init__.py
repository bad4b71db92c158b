"""Server (guild) settings: default timezone, announcement channel, reminders, ping role."""
