"""Discord's answers, turned into what the outbox should do next."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.discord_transport import _translate
from bot.outbox.transport import RateLimited, RecipientClosedDms, Rejected, TemporaryFailure


def http_error(status: int, code: int = 0, headers: dict[str, str] | None = None):
    response = SimpleNamespace(status=status, reason="", headers=headers or {})
    return discord.HTTPException(response, {"code": code, "message": "from Discord"})  # type: ignore[arg-type]


def test_closed_dms_are_their_own_case():
    assert isinstance(_translate(http_error(403, 50007)), RecipientClosedDms)


@pytest.mark.parametrize(
    ("status", "code"), [(403, 50013), (403, 50001), (404, 10003), (400, 50035)]
)
def test_client_errors_are_permanent(status: int, code: int):
    error = _translate(http_error(status, code))
    assert isinstance(error, Rejected)
    assert str(error) == f"{status} (code {code}): from Discord"


def test_a_429_discord_py_gave_up_on_carries_its_wait_and_scope():
    error = _translate(http_error(429, 0, {"Retry-After": "2.5", "X-RateLimit-Global": "true"}))
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.is_global) == (2.5, True)
    route = _translate(http_error(429, 0, {"Retry-After": "soon"}))
    assert isinstance(route, RateLimited)
    assert (route.retry_after, route.is_global) == (5.0, False)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_temporary(status: int):
    assert isinstance(_translate(http_error(status)), TemporaryFailure)
