"""Settings for the real bot against the sandbox: the demo's builder, shared with the tests.

It lives in bot/demo.py because the demo ships in the wheel; tests import it from here.
"""

from __future__ import annotations

from bot.demo import sandbox_settings

__all__ = ["sandbox_settings"]
