"""What members tell the bot about titles, per server: ratings, watched, watchlist."""
