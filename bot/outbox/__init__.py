"""Paced, durable delivery of the messages timers produce (DESIGN.md rule 9)."""
