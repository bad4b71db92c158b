"""Durable timers: one table, one dispatcher, every feature's scheduled work (DESIGN.md rule 9)."""
