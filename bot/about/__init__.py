"""What /about tells: this installation's version, uptime, size and title sources."""
