"""Logging is configured once, at the entry point; modules use logging.getLogger(__name__)."""

from __future__ import annotations

import logging
import sys

_HANDLER_NAME = "watchclub"
# httpx logs every request URL at INFO, and a TMDB v3 key travels in the URL: keep it at
# WARNING or above whatever LOG_LEVEL says.
_NOISY = ("discord.http", "discord.gateway", "httpx", "httpcore", "aiosqlite")


def configure_logging(level: int) -> None:
    root = logging.getLogger()
    if not any(handler.get_name() == _HANDLER_NAME for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
            )
        )
        root.addHandler(handler)
    root.setLevel(level)
    for name in _NOISY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
