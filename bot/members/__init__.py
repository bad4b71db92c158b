"""A member's own settings, the same in every server: today, their timezone."""
