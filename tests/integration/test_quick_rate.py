"""The quick picker through the real bot and the sandbox: a cold `/recommend` offers a form of
well-known titles, the scores are saved in one go, and the answer is the member's own picks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import SyncMode, WatchClubBot, create_bot
from bot.config import Settings
from bot.resources import Resources, open_resources
from sandbox import Sandbox, World
from sandbox.testing import start_client
from tests.integration.test_recommend import buttons, picked_ids


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


def form_fields(modal: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of a form's text fields."""
    return {
        field["label"]: field["custom_id"]
        for item in modal["components"]
        for field in item.get("components") or [item.get("component")]
        if field and field.get("type") == 4
    }


async def _ratings(resources: Resources, member_id: int) -> dict[str, int]:
    rows = await resources.db.fetchall(
        "SELECT title_id, score FROM taste_ratings WHERE member_id = ?", (member_id,)
    )
    return {row["title_id"]: row["score"] for row in rows}


async def _open_form(sandbox: Sandbox, member: Any, channel: Any) -> tuple[Any, dict[str, str]]:
    cold = await sandbox.slash("recommend", member=member, channel=channel)
    assert cold.ephemeral
    assert "button below" in cold.embeds[0]["fields"][0]["value"]
    assert buttons(cold)["Rate a few titles"] == "rec:quick"
    form = await sandbox.click(member=member, message=cold.message, custom_id="rec:quick")
    assert form.modal is not None
    assert form.modal["custom_id"] == "rec:qr"
    return cold, form_fields(form.modal)


async def test_a_cold_start_rates_a_few_titles_in_one_go_and_gets_its_own_picks(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    cold, fields = await _open_form(sandbox, sora, general)
    assert len(fields) == 5
    (first_label, first_id), (_, second_id) = list(fields.items())[:2]
    values = dict.fromkeys(fields.values(), "")
    values[first_id], values[second_id] = "9", " 7"
    answer = await sandbox.submit_modal(
        member=sora, custom_id="rec:qr", values=values, channel=general
    )
    assert answer.ephemeral
    assert answer.content.startswith("Saved 2 ratings: ")
    assert f"*{first_label}* 9" in answer.content
    [embed] = answer.embeds
    assert embed["title"] == "Recommended for you"
    assert not embed.get("fields")  # no cold-start note any more
    picks = picked_ids(answer)
    assert picks
    assert first_id not in picks
    assert second_id not in picks
    assert await _ratings(resources, sora.id) == {first_id: 9, second_id: 7}
    again = await sandbox.slash("recommend", member=sora, channel=general)
    assert "Rate a few titles" not in buttons(again)
    # The first answer's button still works, and asks about other titles.
    form = await sandbox.click(member=sora, message=cold.message, custom_id="rec:quick")
    assert form.modal is not None
    assert not set(form_fields(form.modal).values()) & {first_id, second_id}


async def test_a_bad_score_is_refused_privately_and_nothing_is_saved(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    _, fields = await _open_form(sandbox, mina, general)
    labels = list(fields)
    values = dict.fromkeys(fields.values(), "")
    values[fields[labels[0]]], values[fields[labels[1]]] = "8", "12"
    refused = await sandbox.submit_modal(
        member=mina, custom_id="rec:qr", values=values, channel=general
    )
    assert refused.ephemeral
    assert "whole numbers from 1 to 10" in refused.content
    assert labels[1][:20] in refused.content
    assert "Nothing was saved" in refused.content
    assert await _ratings(resources, mina.id) == {}
    _, fields = await _open_form(sandbox, mina, general)
    blank = await sandbox.submit_modal(
        member=mina, custom_id="rec:qr", values=dict.fromkeys(fields.values(), ""), channel=general
    )
    assert "every title blank" in blank.content
    assert await _ratings(resources, mina.id) == {}


async def test_the_button_and_the_form_still_work_after_a_restart(
    settings: Settings, sandbox: Sandbox, club: Any
):
    jun, general = club.member("jun"), club.channel("general")
    async with open_resources(settings) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            cold = await sandbox.slash("recommend", member=jun, channel=general)
    async with open_resources(settings) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            form = await sandbox.click(member=jun, message=cold.message, custom_id="rec:quick")
            assert form.modal is not None
            fields = form_fields(form.modal)
            first_id = next(iter(fields.values()))
            values = dict.fromkeys(fields.values(), "")
            values[first_id] = "10"
            answer = await sandbox.submit_modal(
                member=jun, custom_id="rec:qr", values=values, channel=general
            )
            assert answer.content.startswith("Saved 1 rating: ")
            assert await _ratings(resources, jun.id) == {first_id: 10}
