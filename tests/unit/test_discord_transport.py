"""Discord's answers, turned into what the outbox should do next; buttons as Discord gets them."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.discord_transport import _fingerprint, _translate, button_view, event_payload
from bot.outbox.message import Button, EventDetails
from bot.outbox.transport import (
    Gone,
    LimitReached,
    NotAllowed,
    RateLimited,
    RecipientClosedDms,
    Rejected,
    TemporaryFailure,
)


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


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, 10008, Gone),
        (404, 10070, Gone),
        (403, 50013, NotAllowed),
        (400, 30038, LimitReached),
    ],
)
def test_errors_the_outbox_handles_its_own_way(status: int, code: int, kind: type[Exception]):
    error = _translate(http_error(status, code))
    assert type(error) is kind
    assert isinstance(error, Rejected)  # still permanent for anything that does not expect it


def test_an_external_event_carries_its_place_and_end():
    details = EventDetails("Goblin night", 1_800_000_000, 1_800_003_600, location="Room 2")
    assert event_payload(details) == {
        "name": "Goblin night",
        "privacy_level": 2,
        "entity_type": 3,
        "scheduled_start_time": "2027-01-15T08:00:00+00:00",
        "scheduled_end_time": "2027-01-15T09:00:00+00:00",
        "channel_id": None,
        "entity_metadata": {"location": "Room 2"},
        "description": "",
    }


def test_a_voice_event_names_its_channel_as_a_snowflake_string():
    details = EventDetails("Goblin night", 1_800_000_000, place="voice", channel_id=42)
    payload = event_payload(details)
    assert (payload["entity_type"], payload["channel_id"]) == (2, "42")
    assert payload["entity_metadata"] is None
    assert "scheduled_end_time" not in payload


def test_an_event_is_recognised_in_discords_answer_by_name_times_and_place():
    details = EventDetails("Goblin night", 1_800_000_000, 1_800_003_600, location="Room 2")
    answer = {
        "id": "1",
        "name": "Goblin night",
        "scheduled_start_time": "2027-01-15T08:00:00.000000+00:00",
        "scheduled_end_time": "2027-01-15T09:00:00.000000+00:00",
        "channel_id": None,
        "entity_metadata": {"location": "Room 2"},
    }
    assert _fingerprint(answer) == _fingerprint(event_payload(details))
    elsewhere = {**answer, "entity_metadata": {"location": "Room 3"}}
    assert _fingerprint(elsewhere) != _fingerprint(event_payload(details))


async def test_buttons_go_in_rows_of_five_in_order():
    buttons = [Button(f"Episode {n}", custom_id=f"party:7:ep:{n}") for n in range(1, 13)]
    rows = button_view(buttons).to_components()
    assert [row["type"] for row in rows] == [1, 1, 1]
    assert [[b["custom_id"] for b in row["components"]] for row in rows] == [
        [f"party:7:ep:{n}" for n in range(1, 6)],
        [f"party:7:ep:{n}" for n in range(6, 11)],
        ["party:7:ep:11", "party:7:ep:12"],
    ]


async def test_a_button_carries_its_label_style_and_emoji_and_a_link_its_url():
    [row] = button_view(
        [
            Button("Going", custom_id="party:7:rsvp:going", style="success", emoji="✅"),
            Button("Can't", custom_id="party:7:rsvp:no", style="danger"),
            Button("Details", custom_id="party:7:details", style="primary"),
            Button("Maybe", custom_id="party:7:rsvp:maybe"),
            Button("Where to watch", url="https://example.org/frieren", style="primary"),
        ]
    ).to_components()
    going, cant, details, maybe, link = row["components"]
    assert going == {
        "type": 2,
        "style": 3,
        "label": "Going",
        "custom_id": "party:7:rsvp:going",
        "disabled": False,
        "emoji": {"id": None, "name": "✅"},
    }
    assert [cant["style"], details["style"], maybe["style"]] == [4, 1, 2]
    assert link["style"] == 5  # a link button has Discord's link style, whatever was asked
    assert link["url"] == "https://example.org/frieren"
    assert "custom_id" not in link
    assert "emoji" not in maybe


async def test_the_view_is_finished_before_it_is_sent_so_discord_py_never_stores_it():
    view = button_view([Button("Going", custom_id="party:7:rsvp:going")])
    assert view.is_finished()  # discord.py stores only a view that is not finished
