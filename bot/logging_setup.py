"""Logging is configured once, at the entry point; modules use logging.getLogger(__name__)."""

from __future__ import annotations

import logging
import sys

_NOISY = ("discord.http", "discord.gateway", "httpx", "httpcore", "aiosqlite")


def configure_logging(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
