"""Polls: versus face-offs, community votes on titles, and brackets. Plain data, no discord."""
