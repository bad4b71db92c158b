"""tests.support.contract: exchanges shaped like discord.py's requests and Discord's replies,
checked against Discord's OpenAPI spec (../shared/discord-api-spec/openapi.json; skipped without
it)."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.contract import (
    DEFAULT_SPEC_PATH,
    KNOWN_SPEC_GAPS,
    SPEC_ENV_VAR,
    DiscordContract,
    SpecUnavailable,
    Violation,
    default_spec_path,
)

APP_ID = "1380000000000000001"
GUILD_ID = "1380000000000000002"
CHANNEL_ID = "1380000000000000003"
USER_ID = "1380000000000000004"
INTERACTION_ID = "1380000000000000005"
MESSAGE_ID = "1380000000000000006"
TOKEN = "aW50ZXJhY3Rpb246MTM4MDAwMDAwMDAwMDAwMDAwNTpzZWNyZXQ"
NOW = "2026-07-20T18:30:00.123000+00:00"

CALLBACK = f"/interactions/{INTERACTION_ID}/{TOKEN}/callback"
FOLLOWUP = f"/webhooks/{APP_ID}/{TOKEN}"
ORIGINAL = f"/webhooks/{APP_ID}/{TOKEN}/messages/@original"
CHANNEL_MESSAGES = f"/channels/{CHANNEL_ID}/messages"
COMMANDS = f"/applications/{APP_ID}/commands"
EVENTS = f"/guilds/{GUILD_ID}/scheduled-events"


@pytest.fixture(scope="module")
def contract() -> DiscordContract:
    try:
        return DiscordContract.load()
    except SpecUnavailable as exc:
        pytest.skip(f"needs Discord's OpenAPI spec ({SPEC_ENV_VAR} or ../shared): {exc}")


@pytest.fixture(scope="module")
def raw_contract(contract: DiscordContract) -> DiscordContract:
    """The same spec with no KNOWN_SPEC_GAPS applied."""
    assert contract.source is not None
    return DiscordContract(json.loads(contract.source.read_bytes()), gaps=(), copy_spec=False)


def messages(violations: list[Violation]) -> list[str]:
    return [v.message for v in violations]


# ------------------------------------------------------------------------------------ shapes


def user(user_id: str = USER_ID, username: str = "mira", *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": username,
        "avatar": None,
        "discriminator": "0",
        "public_flags": 0,
        "flags": 0,
        "bot": bot,
        "banner": None,
        "accent_color": None,
        "global_name": username.title(),
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }


def bot_user() -> dict[str, Any]:
    return user(APP_ID, "watchclub", bot=True)


def embed_request() -> dict[str, Any]:
    """What discord.Embed.to_dict() produces."""
    return {
        "type": "rich",
        "title": "Tonight: Frieren ep. 12",
        "description": "Starts in 2 hours.",
        "color": 0x5865F2,
        "timestamp": NOW,
        "url": "https://example.com/frieren",
        "fields": [{"name": "Host", "value": "<@1380000000000000004>", "inline": False}],
        "footer": {"text": "watchclub", "icon_url": "https://example.com/icon.png"},
        "thumbnail": {"url": "https://example.com/thumb.png"},
    }


def embed_response() -> dict[str, Any]:
    return {
        "type": "rich",
        "title": "Tonight: Frieren ep. 12",
        "description": "Starts in 2 hours.",
        "color": 0x5865F2,
        "timestamp": NOW,
        "url": "https://example.com/frieren",
        "fields": [{"name": "Host", "value": "<@1380000000000000004>", "inline": False}],
        "footer": {"text": "watchclub", "icon_url": "https://example.com/icon.png"},
    }


def buttons_request() -> list[dict[str, Any]]:
    """What a discord.ui.View with two buttons produces (to_components())."""
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": 1,
                    "disabled": False,
                    "label": "Commands",
                    "custom_id": "help:commands",
                    "emoji": {"name": "📖", "id": None},
                },
                {
                    "type": 2,
                    "style": 5,
                    "disabled": False,
                    "label": "Docs",
                    "url": "https://example.com/docs",
                },
            ],
        }
    ]


def buttons_response() -> list[dict[str, Any]]:
    return [
        {
            "type": 1,
            "id": 1,
            "components": [
                {
                    "type": 2,
                    "id": 2,
                    "style": 1,
                    "label": "Commands",
                    "custom_id": "help:commands",
                    "emoji": {"name": "📖"},
                },
                {
                    "type": 2,
                    "id": 3,
                    "style": 5,
                    "label": "Docs",
                    "url": "https://example.com/docs",
                },
            ],
        }
    ]


def message(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": 0,
        "content": "Tonight's pick",
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [embed_response()],
        "timestamp": NOW,
        "edited_timestamp": None,
        "flags": 0,
        "components": buttons_response(),
        "id": MESSAGE_ID,
        "channel_id": CHANNEL_ID,
        "author": bot_user(),
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
    }
    body.update(overrides)
    return body


def interaction_message(**overrides: Any) -> dict[str, Any]:
    base = message(
        type=20,
        flags=64,
        webhook_id=APP_ID,
        application_id=APP_ID,
        interaction_metadata={
            "id": INTERACTION_ID,
            "type": 2,
            "user": user(),
            "authorizing_integration_owners": {"0": GUILD_ID},
            "name": "help",
            "command_type": 1,
        },
    )
    base.update(overrides)
    return base


def callback_response(
    interaction_type: int = 2, resource: dict[str, Any] | None = None, **flags: bool
) -> dict[str, Any]:
    interaction: dict[str, Any] = {
        "id": INTERACTION_ID,
        "type": interaction_type,
        "response_message_id": MESSAGE_ID,
        "response_message_loading": flags.get("loading", False),
        "response_message_ephemeral": flags.get("ephemeral", False),
        "channel_id": CHANNEL_ID,
        "guild_id": GUILD_ID,
    }
    body: dict[str, Any] = {"interaction": interaction}
    if resource is not None:
        body["resource"] = resource
    return body


# -------------------------------------------------------------------------------- loading


def test_default_spec_path_is_next_to_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SPEC_ENV_VAR, raising=False)
    project_root = Path(__file__).resolve().parents[2]
    expected = project_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    assert default_spec_path() == expected
    assert DEFAULT_SPEC_PATH.name == "openapi.json"


def test_env_var_overrides_the_spec_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "spec.json"))
    assert default_spec_path() == tmp_path / "spec.json"
    with pytest.raises(SpecUnavailable, match="not at"):
        DiscordContract.load()


def test_missing_spec_raises_spec_unavailable(tmp_path: Path) -> None:
    with pytest.raises(SpecUnavailable, match="not at"):
        DiscordContract.load(tmp_path / "absent.json")


def test_unparsable_spec_raises_spec_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.json"
    broken.write_text("{not json")
    with pytest.raises(SpecUnavailable, match="not JSON"):
        DiscordContract.load(broken)
    broken.write_text('{"openapi": "3.1.0"}')
    with pytest.raises(SpecUnavailable, match="paths"):
        DiscordContract.load(broken)


def test_load_is_cached(contract: DiscordContract) -> None:
    assert DiscordContract.load() is contract
    assert DiscordContract.load(contract.source) is contract


# -------------------------------------------------------------------------------- routes


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("GET", "/users/@me", "/users/@me"),
        ("GET", f"/users/{USER_ID}", "/users/{user_id}"),
        ("GET", "/oauth2/applications/@me", "/oauth2/applications/@me"),
        ("GET", "/api/v10/oauth2/applications/@me", "/oauth2/applications/@me"),
        ("PUT", f"{COMMANDS}", "/applications/{application_id}/commands"),
        (
            "POST",
            f"{CALLBACK}?with_response=1",
            "/interactions/{interaction_id}/{interaction_token}/callback",
        ),
        ("POST", f"{FOLLOWUP}?wait=true", "/webhooks/{webhook_id}/{webhook_token}"),
        ("PATCH", ORIGINAL, "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
        (
            "PATCH",
            f"{FOLLOWUP}/messages/{MESSAGE_ID}",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        ("POST", f"{CHANNEL_MESSAGES}/bulk-delete", "/channels/{channel_id}/messages/bulk-delete"),
        (
            "DELETE",
            f"{CHANNEL_MESSAGES}/{MESSAGE_ID}",
            "/channels/{channel_id}/messages/{message_id}",
        ),
        (
            "PUT",
            f"{CHANNEL_MESSAGES}/{MESSAGE_ID}/reactions/%F0%9F%8E%AC/@me",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
        ),
        ("POST", f"http://127.0.0.1:8765/api/v10{EVENTS}", "/guilds/{guild_id}/scheduled-events"),
        ("PATCH", f"/guilds/{GUILD_ID}/members/@me/", "/guilds/{guild_id}/members/@me"),
        ("GET", f"/guilds/{GUILD_ID}/members/@me", "/guilds/{guild_id}/members/@me"),
    ],
)
def test_match_route_prefers_the_most_specific_template(
    contract: DiscordContract, method: str, path: str, template: str
) -> None:
    assert contract.match_route(method, path) == template


def test_match_route_unknown_paths(contract: DiscordContract) -> None:
    assert contract.match_route("GET", "/nope") is None
    assert contract.match_route("GET", "/") is None
    assert contract.match_route("GET", "/users/@me/extra/deep/path") is None


def test_unknown_route_is_a_violation(contract: DiscordContract) -> None:
    found = contract.check_exchange("GET", "/nope", None, 200, {"ok": True})
    assert found == [Violation("GET", "/nope", "route", "no route in the spec matches GET /nope")]
    assert str(found[0]) == "GET /nope [route] no route in the spec matches GET /nope"


def test_method_not_in_spec_is_a_violation(contract: DiscordContract) -> None:
    [found] = contract.check_exchange("DELETE", "/users/@me", None, 204, None)
    assert found.where == "route"
    assert "DELETE is not an operation of /users/@me" in found.message
    assert "GET, PATCH" in found.message


def test_literal_template_wins_even_without_the_method(contract: DiscordContract) -> None:
    [found] = contract.check_exchange("GET", f"/guilds/{GUILD_ID}/members/@me", None, 200, {})
    assert found.where == "route"
    assert found.message == (
        "GET is not an operation of /guilds/{guild_id}/members/@me (the spec has PATCH)"
    )


def test_malformed_snowflake_in_path_is_a_violation(contract: DiscordContract) -> None:
    [found] = contract.check_request("POST", "/channels/general/messages", {"content": "hi"})
    assert found.where == "route"
    assert "channel_id='general'" in found.message


# ----------------------------------------------------------------------- identity routes


def test_get_users_me(contract: DiscordContract) -> None:
    me = bot_user() | {
        "mfa_enabled": False,
        "locale": "en-US",
        "premium_type": 0,
        "email": None,
        "verified": True,
    }
    assert contract.check_exchange("GET", "/users/@me", None, 200, me) == []


def test_get_users_me_missing_pii_fields(contract: DiscordContract) -> None:
    found = contract.check_response("GET", "/users/@me", 200, bot_user())
    assert {v.where for v in found} == {"response 200"}
    assert "#: 'mfa_enabled' is a required property [schema UserPIIResponse]" in messages(found)
    assert any("'locale'" in m for m in messages(found))


def test_get_oauth2_application(contract: DiscordContract) -> None:
    owner = user()
    app = {
        "id": APP_ID,
        "name": "watchclub",
        "icon": None,
        "description": "Find the next show, decide together, watch together.",
        "type": None,
        "bot": bot_user(),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "6bb0c1e2f0e9a1b5c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
        "flags": 0,
        "flags_new": "0",
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": owner,
        "team": None,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 1,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["applications.commands", "bot"],
        "install_params": {"scopes": ["applications.commands", "bot"], "permissions": "2048"},
        "integration_types_config": {
            "0": {"oauth2_install_params": {"scopes": ["bot"], "permissions": "2048"}}
        },
        "tags": ["anime", "k-drama"],
    }
    assert contract.check_exchange("GET", "/oauth2/applications/@me", None, 200, app) == []
    del app["verify_key"]
    found = contract.check_response("GET", "/oauth2/applications/@me", 200, app)
    assert messages(found) == [
        "#: 'verify_key' is a required property [schema PrivateApplicationResponse]"
    ]


# ------------------------------------------------------------------------- command sync


def command_sync_request() -> list[dict[str, Any]]:
    """tree.sync(): Group.to_dict / Command.to_dict / ContextMenu.to_dict of discord.py 2.7."""
    return [
        {
            "name": "watch",
            "description": "Plan watch parties",
            "type": 1,
            "options": [
                {
                    "name": "party",
                    "description": "Watch parties",
                    "type": 2,
                    "options": [
                        {
                            "name": "start",
                            "description": "Start a watch party",
                            "type": 1,
                            "options": [
                                {
                                    "type": 3,
                                    "name": "show",
                                    "description": "Which show",
                                    "required": True,
                                    "autocomplete": True,
                                },
                                {
                                    "type": 3,
                                    "name": "kind",
                                    "description": "Kind of show",
                                    "required": False,
                                    "choices": [
                                        {"name": "Anime", "value": "anime"},
                                        {"name": "K-drama", "value": "kdrama"},
                                    ],
                                },
                                {
                                    "type": 4,
                                    "name": "minutes",
                                    "description": "How long",
                                    "required": False,
                                    "min_value": 1,
                                    "max_value": 600,
                                },
                                {
                                    "type": 7,
                                    "name": "channel",
                                    "description": "Where",
                                    "required": False,
                                    "channel_types": [2, 13],
                                },
                            ],
                        }
                    ],
                },
                {"name": "list", "description": "List parties", "type": 1, "options": []},
            ],
            "nsfw": False,
            "dm_permission": False,
            "default_member_permissions": None,
            "contexts": [0],
            "integration_types": [0],
        },
        {
            "name": "config",
            "description": "Server settings",
            "type": 1,
            "options": [],
            "nsfw": False,
            "dm_permission": False,
            "default_member_permissions": 32,
            "contexts": None,
            "integration_types": None,
        },
        {
            "name": "Suggest this",
            "type": 3,
            "dm_permission": True,
            "contexts": None,
            "integration_types": None,
            "default_member_permissions": None,
            "nsfw": False,
        },
    ]


def command_sync_response() -> list[dict[str, Any]]:
    common = {"application_id": APP_ID, "guild_id": GUILD_ID, "nsfw": False}
    return [
        common
        | {
            "id": "1380000000000000100",
            "version": "1380000000000000101",
            "type": 1,
            "name": "watch",
            "description": "Plan watch parties",
            "default_member_permissions": None,
            "dm_permission": False,
            "contexts": [0],
            "integration_types": [0],
            "options": [
                {
                    "type": 2,
                    "name": "party",
                    "description": "Watch parties",
                    "options": [
                        {
                            "type": 1,
                            "name": "start",
                            "description": "Start a watch party",
                            "options": [
                                {
                                    "type": 3,
                                    "name": "show",
                                    "description": "Which show",
                                    "required": True,
                                    "autocomplete": True,
                                },
                                {
                                    "type": 3,
                                    "name": "kind",
                                    "description": "Kind of show",
                                    "choices": [
                                        {"name": "Anime", "value": "anime"},
                                        {"name": "K-drama", "value": "kdrama"},
                                    ],
                                },
                                {
                                    "type": 4,
                                    "name": "minutes",
                                    "description": "How long",
                                    "min_value": 1,
                                    "max_value": 600,
                                },
                                {
                                    "type": 7,
                                    "name": "channel",
                                    "description": "Where",
                                    "channel_types": [2, 13],
                                },
                            ],
                        }
                    ],
                },
                {"type": 1, "name": "list", "description": "List parties"},
            ],
        },
        common
        | {
            "id": "1380000000000000102",
            "version": "1380000000000000103",
            "type": 1,
            "name": "config",
            "description": "Server settings",
            "default_member_permissions": "32",
            "dm_permission": False,
            "contexts": None,
            "integration_types": [0],
        },
        common
        | {
            "id": "1380000000000000104",
            "version": "1380000000000000105",
            "type": 3,
            "name": "Suggest this",
            "description": "",
            "default_member_permissions": None,
            "dm_permission": True,
            "contexts": None,
            "integration_types": [0],
        },
    ]


def test_put_commands_with_subcommand_group(contract: DiscordContract) -> None:
    found = contract.check_exchange(
        "PUT", COMMANDS, command_sync_request(), 200, command_sync_response()
    )
    assert found == []


def test_put_commands_broken_option(contract: DiscordContract) -> None:
    request = command_sync_request()
    request[0]["options"][0]["options"][0]["options"][0]["description"] = 7
    response = command_sync_response()
    response[1]["default_member_permissions"] = 32  # Discord sends permissions as a string
    found = contract.check_exchange("PUT", COMMANDS, request, 200, response)
    assert [(v.where, v.message) for v in found] == [
        (
            "request body",
            "#/0/options/0/options/0/options/0/description: 7 is not of type 'string' "
            "[schema ApplicationCommandStringOption/properties/description]",
        ),
        (
            "response 200",
            "#/1/default_member_permissions: 32 is not of type 'string', 'null' "
            "[schema ApplicationCommandResponse/properties/default_member_permissions]",
        ),
    ]


# ----------------------------------------------------------------- interaction callbacks


def channel_message_callback() -> dict[str, Any]:
    """interaction.response.send_message(embed=..., view=..., ephemeral=True)."""
    return {
        "type": 4,
        "data": {
            "tts": False,
            "embeds": [embed_request()],
            "content": "Here you go",
            "components": buttons_request(),
            "flags": 64,
            "allowed_mentions": {"parse": []},
        },
    }


def test_callback_type_4_message(contract: DiscordContract) -> None:
    reply = callback_response(
        resource={"type": 4, "message": interaction_message()}, ephemeral=True
    )
    found = contract.check_exchange(
        "POST", f"{CALLBACK}?with_response=1", channel_message_callback(), 200, reply
    )
    assert found == []


def test_callback_type_5_deferred(contract: DiscordContract) -> None:
    body = {"type": 5, "data": {"flags": 64}}
    reply = callback_response(loading=True, ephemeral=True)
    assert contract.check_exchange("POST", CALLBACK, body, 200, reply) == []
    assert contract.check_exchange("POST", CALLBACK, {"type": 5}, 204, None) == []


def test_callback_type_7_update_message(contract: DiscordContract) -> None:
    body = {"type": 7, "data": {"tts": False, "embeds": [embed_request()], "components": []}}
    reply = callback_response(3, resource={"type": 7, "message": interaction_message()})
    assert contract.check_exchange("POST", CALLBACK, body, 200, reply) == []


def test_callback_type_8_autocomplete(contract: DiscordContract) -> None:
    body = {
        "type": 8,
        "data": {
            "choices": [
                {"name": "Frieren: Beyond Journey's End", "value": "frieren"},
                {"name": "Moving", "value": "moving"},
            ]
        },
    }
    assert contract.check_exchange("POST", CALLBACK, body, 200, callback_response(4)) == []
    assert contract.check_exchange("POST", CALLBACK, body, 204, None) == []


def test_callback_type_9_modal(contract: DiscordContract) -> None:
    body = {
        "type": 9,
        "data": {
            "custom_id": "suggest:modal",
            "title": "Suggest a show",
            "components": [
                {
                    "type": 1,
                    "components": [
                        {
                            "type": 4,
                            "style": 1,
                            "label": "Title",
                            "custom_id": "suggest:title",
                            "required": True,
                            "placeholder": "e.g. Frieren",
                            "max_length": 100,
                        }
                    ],
                },
                {
                    "type": 18,
                    "label": "Why this one?",
                    "component": {
                        "type": 4,
                        "style": 2,
                        "custom_id": "suggest:why",
                        "required": False,
                    },
                },
            ],
        },
    }
    assert contract.check_exchange("POST", CALLBACK, body, 200, callback_response()) == []
    del body["data"]["title"]
    [found] = contract.check_request("POST", CALLBACK, body)
    assert found.message == (
        "#/data: 'title' is a required property [schema ModalInteractionCallbackRequestData]"
    )


def test_callback_embed_title_as_number(contract: DiscordContract) -> None:
    body = channel_message_callback()
    body["data"]["embeds"][0]["title"] = 12
    [found] = contract.check_request("POST", CALLBACK, body)
    assert found == Violation(
        "POST",
        CALLBACK,
        "request body",
        "#/data/embeds/0/title: 12 is not of type 'string', 'null' "
        "[schema RichEmbed/properties/title]",
    )


def test_callback_unknown_type_names_the_allowed_kinds(contract: DiscordContract) -> None:
    [found] = contract.check_request("POST", CALLBACK, {"type": 3, "data": {"content": "hi"}})
    assert found.message.startswith("#: type=3 is none of the allowed kinds (")
    assert "4, 5" in found.message


def test_callback_button_without_style(contract: DiscordContract) -> None:
    body = channel_message_callback()
    del body["data"]["components"][0]["components"][1]["style"]
    [found] = contract.check_request("POST", CALLBACK, body)
    assert found.message == (
        "#/data/components/0/components/1: 'style' is a required property "
        "[schema ButtonComponentForMessageRequest]"
    )


def test_enum_values_are_listed(contract: DiscordContract) -> None:
    body = channel_message_callback()
    body["data"]["components"][0]["components"][0]["style"] = 9
    body["data"]["allowed_mentions"] = {"parse": ["all"]}
    assert set(messages(contract.check_request("POST", CALLBACK, body))) == {
        "#/data/components/0/components/0/style: 9 is none of the allowed values "
        "(1, 2, 3, 4, 5, 6) [schema ButtonStyleTypes]",
        "#/data/allowed_mentions/parse/0: 'all' is none of the allowed values "
        "('users', 'roles', 'everyone') [schema AllowedMentionTypes]",
    }


def test_callback_response_message_without_id(contract: DiscordContract) -> None:
    broken = interaction_message()
    del broken["id"]
    reply = callback_response(resource={"type": 4, "message": broken})
    [found] = contract.check_response("POST", CALLBACK, 200, reply)
    assert found.where == "response 200"
    assert (
        found.message == "#/resource/message: 'id' is a required property [schema MessageResponse]"
    )


def test_callback_requires_a_body(contract: DiscordContract) -> None:
    [found] = contract.check_request("POST", CALLBACK, None)
    assert (found.where, found.message) == ("request body", "#: a request body is required")


def test_multipart_payload_json_is_validated(contract: DiscordContract) -> None:
    payload = channel_message_callback()
    payload["data"]["attachments"] = [{"id": "0", "filename": "poster.png"}]
    form = {"payload_json": json.dumps(payload), "files[0]": b"\x89PNG..."}
    assert contract.check_request("POST", CALLBACK, form) == []
    payload["data"]["embeds"][0]["color"] = -1
    form["payload_json"] = json.dumps(payload).encode()
    [found] = contract.check_request("POST", CALLBACK, form)
    assert found.message.startswith("#/data/embeds/0/color: -1 is less than the minimum of 0")
    [bad] = contract.check_request("POST", CALLBACK, {"payload_json": "{nope"})
    assert bad.message.startswith("#: payload_json is not JSON")


# ---------------------------------------------------------------- webhooks (followups)


def test_followup_send(contract: DiscordContract) -> None:
    body = {
        "embeds": [embed_request()],
        "content": "Something went wrong, sorry.",
        "tts": False,
        "flags": 64,
        "allowed_mentions": {"parse": []},
    }
    reply = interaction_message(type=0, content="Something went wrong, sorry.")
    assert contract.check_exchange("POST", f"{FOLLOWUP}?wait=true", body, 200, reply) == []
    assert contract.check_exchange("POST", FOLLOWUP, body, 204, None) == []


def test_edit_original_response(contract: DiscordContract) -> None:
    body = {
        "embeds": [embed_request()],
        "content": None,
        "components": [],
        "tts": False,
        "allowed_mentions": {"parse": []},
        "attachments": [],
    }
    reply = interaction_message(edited_timestamp=NOW, components=[])
    assert contract.check_exchange("PATCH", ORIGINAL, body, 200, reply) == []


def test_delete_original_response_is_204(contract: DiscordContract) -> None:
    assert contract.check_exchange("DELETE", ORIGINAL, None, 204, None) == []
    [found] = contract.check_exchange("DELETE", ORIGINAL, None, 204, {"deleted": True})
    assert (found.where, found.message) == ("response 204", "#: a 204 response must have no body")


def test_undeclared_success_status_is_a_violation(contract: DiscordContract) -> None:
    [found] = contract.check_response("DELETE", ORIGINAL, 200, {})
    assert found.where == "response 200"
    assert "status 200 is not declared" in found.message
    assert "204" in found.message


# ------------------------------------------------------------------------- channel messages


def test_create_message_with_nonce(contract: DiscordContract) -> None:
    body = {
        "embeds": [embed_request()],
        "content": "Watch party starting!",
        "components": buttons_request(),
        "nonce": "1380000000000000999",
        "enforce_nonce": True,
        "tts": False,
        "allowed_mentions": {"parse": ["users"], "replied_user": False},
    }
    reply = message(nonce="1380000000000000999", content="Watch party starting!")
    assert contract.check_exchange("POST", CHANNEL_MESSAGES, body, 200, reply) == []


def test_message_response_problems_are_all_reported(contract: DiscordContract) -> None:
    reply = message(timestamp="yesterday", flags=2**40)
    del reply["id"]
    found = messages(contract.check_response("POST", CHANNEL_MESSAGES, 200, reply))
    assert "#: 'id' is a required property [schema MessageResponse]" in found
    assert any(m.startswith("#/timestamp: 'yesterday' is not a 'date-time'") for m in found)
    assert any(m.startswith("#/flags: 1099511627776 is not a 'int32'") for m in found)


def test_forbidden_error_response(contract: DiscordContract) -> None:
    error = {"code": 50007, "message": "Cannot send messages to this user"}
    body = {"content": "hi", "tts": False}
    assert contract.check_exchange("POST", CHANNEL_MESSAGES, body, 403, error) == []
    [found] = contract.check_response("POST", CHANNEL_MESSAGES, 403, {"message": "Forbidden"})
    assert found.where == "response 403"
    assert found.message == "#: 'code' is a required property [schema Error]"


def test_validation_error_response_with_nested_errors(
    contract: DiscordContract, raw_contract: DiscordContract
) -> None:
    error = {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "embeds": {
                "0": {
                    "title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Too long"}]}
                }
            }
        },
    }
    # Discord's own field error codes are strings; the spec says integer, so the
    # field-error-code gap widens exactly that spot and the unwidened spec flags it.
    assert contract.check_response("POST", CHANNEL_MESSAGES, 400, error) == []
    [found] = raw_contract.check_response("POST", CHANNEL_MESSAGES, 400, error)
    assert "errors" in found.message
    error["code"] = "50035"
    [top_level] = contract.check_response("POST", CHANNEL_MESSAGES, 400, error)
    assert "'50035' is not of type 'integer'" in top_level.message


def test_rate_limited_response(contract: DiscordContract) -> None:
    body = {
        "message": "You are being rate limited.",
        "retry_after": 0.75,
        "global": False,
        "code": 0,
    }
    assert contract.check_response("POST", CHANNEL_MESSAGES, 429, body) == []
    del body["global"]
    [found] = contract.check_response("POST", CHANNEL_MESSAGES, 429, body)
    assert found.where == "response 429"
    assert found.message.startswith(
        "#: 'global' is a required property [schema RatelimitedResponse"
    )


def test_server_error_needs_code_and_message(contract: DiscordContract) -> None:
    assert contract.check_response("GET", "/users/@me", 500, {"code": 0, "message": "oops"}) == []
    found = contract.check_response("GET", "/users/@me", 502, {"error": "bad gateway"})
    assert messages(found) == [
        "#/code: an integer error code is required",
        "#/message: a string message is required",
    ]
    [not_object] = contract.check_response("GET", "/users/@me", 503, None)
    assert not_object.message == "#: an error body must be a JSON object"


def test_raw_bytes_bodies_are_parsed(contract: DiscordContract) -> None:
    error = b'{"code": 10008, "message": "Unknown Message"}'
    assert contract.check_response("PATCH", ORIGINAL, 404, error) == []
    assert contract.check_response("DELETE", ORIGINAL, 204, b"") == []
    [found] = contract.check_response("PATCH", ORIGINAL, 404, b"<html>Not Found</html>")
    assert found.message.startswith("#: the body is not JSON (")
    assert contract.check_request("POST", CHANNEL_MESSAGES, b'{"content": "hi"}') == []


def test_get_without_body_but_body_sent(contract: DiscordContract) -> None:
    [found] = contract.check_request("GET", "/users/@me", {"x": 1})
    assert found.where == "request body"
    assert "declares no request body" in found.message
    assert contract.check_request("GET", "/users/@me", {}) == []


# ------------------------------------------------------------------------ scheduled events


def test_create_external_scheduled_event(contract: DiscordContract) -> None:
    body = {
        "name": "Frieren marathon",
        "scheduled_start_time": "2026-07-25T18:00:00+00:00",
        "scheduled_end_time": "2026-07-25T22:00:00+00:00",
        "entity_type": 3,
        "privacy_level": 2,
        "description": "Episodes 1-6",
        "entity_metadata": {"location": "#watch-party"},
    }
    reply = {
        "id": "1380000000000000200",
        "guild_id": GUILD_ID,
        "name": "Frieren marathon",
        "description": "Episodes 1-6",
        "channel_id": None,
        "creator_id": APP_ID,
        "creator": bot_user(),
        "image": None,
        "scheduled_start_time": "2026-07-25T18:00:00+00:00",
        "scheduled_end_time": "2026-07-25T22:00:00+00:00",
        "status": 1,
        "entity_type": 3,
        "entity_id": None,
        "recurrence_rule": None,
        "user_count": 0,
        "privacy_level": 2,
        "guild_scheduled_event_exceptions": [],
        "entity_metadata": {"location": "#watch-party"},
    }
    assert contract.check_exchange("POST", EVENTS, body, 200, reply) == []


def test_scheduled_event_without_entity_type_is_rejected(contract: DiscordContract) -> None:
    """discord.py omits entity_type/privacy_level unless passed; Discord requires both."""
    body = {
        "name": "Frieren marathon",
        "scheduled_start_time": "2026-07-25T18:00:00+00:00",
        "scheduled_end_time": "2026-07-25T22:00:00+00:00",
        "entity_metadata": {"location": "#watch-party"},
    }
    found = messages(contract.check_request("POST", EVENTS, body))
    assert (
        "#: 'entity_type' is a required property [schema ExternalScheduledEventCreateRequest]"
        in found
    )
    assert any("'privacy_level'" in m for m in found)


# ------------------------------------------------------------------------- known spec gaps


def test_known_spec_gaps_are_documented_and_present(raw_contract: DiscordContract) -> None:
    names = [gap.name for gap in KNOWN_SPEC_GAPS]
    assert len(names) == len(set(names))
    for gap in KNOWN_SPEC_GAPS:
        assert len(gap.reason) > 30, gap.name
        for pointer in gap.pointers:
            node: Any = raw_contract.spec
            for token in pointer.removeprefix("#/").split("/"):
                node = node[token]
            assert isinstance(node, dict), pointer


def test_integer_snowflakes_only_where_a_gap_says_so(
    contract: DiscordContract, raw_contract: DiscordContract
) -> None:
    """discord.py's int ids in emoji, allowed_mentions and message_reference."""
    body = {
        "content": "Replying",
        "tts": False,
        "components": [
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 2,
                        "disabled": False,
                        "custom_id": "vote:up",
                        "emoji": {"id": 1380000000000000300, "name": "upvote"},
                    }
                ],
            }
        ],
        "allowed_mentions": {"parse": [], "users": [1380000000000000004]},
        "message_reference": {"message_id": 1380000000000000006, "channel_id": 1380000000000000003},
    }
    assert contract.check_request("POST", CHANNEL_MESSAGES, body) == []
    assert len(raw_contract.check_request("POST", CHANNEL_MESSAGES, body)) == 4
    body["sticker_ids"] = [1380000000000000400]  # no gap: stays a violation
    body["allowed_mentions"]["roles"] = ["everyone"]  # not a snowflake at all
    found = messages(contract.check_request("POST", CHANNEL_MESSAGES, body))
    assert len(found) == 2
    assert found[0] == (
        "#/allowed_mentions/roles/0: 'everyone' does not match '^(0|[1-9][0-9]*)$' "
        "[schema SnowflakeType]"
    )
    assert found[1].startswith("#/sticker_ids/0: 1380000000000000400 is not of type 'string'")


# ---------------------------------------------------------------------- discord.py's own shapes


async def test_discord_py_payloads_pass(contract: DiscordContract) -> None:
    """Bodies built by discord.py 2.7.1 itself (not by hand) pass the contract."""
    discord = pytest.importorskip("discord")
    from discord.http import handle_message_parameters
    from discord.webhook.async_ import interaction_message_response_params

    embed = discord.Embed(title="Tonight", description="Ep. 12", colour=0x5865F2)
    embed.timestamp = discord.utils.utcnow()
    embed.add_field(name="Host", value="Mira").set_footer(text="watchclub")
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Help", custom_id="help:general", emoji="📖"))
    view.add_item(
        discord.ui.Button(
            label="Vote", custom_id="vote", emoji=discord.PartialEmoji(name="up", id=42)
        )
    )
    view.add_item(
        discord.ui.UserSelect(
            custom_id="who", default_values=[discord.Object(id=1380000000000000004)]
        )
    )
    mentions = discord.AllowedMentions(users=[discord.Object(id=1380000000000000004)])

    callback = interaction_message_response_params(
        type=4,
        content="hi",
        embed=embed,
        view=view,
        flags=discord.MessageFlags(ephemeral=True),
        allowed_mentions=mentions,
    ).payload
    send = handle_message_parameters(
        content="party!",
        nonce=1380000000000000999,
        embed=embed,
        view=view,
        allowed_mentions=discord.AllowedMentions.none(),
        message_reference=discord.MessageReference(
            message_id=1380000000000000006, channel_id=1380000000000000003
        ).to_dict(),
    ).payload
    edit = handle_message_parameters(content="edited", embed=embed, view=None).payload

    def as_json(payload: object) -> object:
        return json.loads(json.dumps(payload))

    assert contract.check_request("POST", CALLBACK, as_json(callback)) == []
    assert contract.check_request("POST", CHANNEL_MESSAGES, as_json(send)) == []
    assert contract.check_request("PATCH", ORIGINAL, as_json(edit)) == []
    assert contract.check_request("POST", FOLLOWUP, as_json(send)) == []


# ------------------------------------------------------------------------------ performance


def test_fast_unions_give_the_same_verdicts(contract: DiscordContract) -> None:
    assert contract.source is not None
    plain = DiscordContract(json.loads(contract.source.read_bytes()), fast_unions=False)
    broken_callback = channel_message_callback()
    broken_callback["data"]["embeds"][0]["title"] = 12
    broken_callback["data"]["components"][0]["components"][0]["style"] = 9
    missing_id = interaction_message()
    del missing_id["id"]
    exchanges: list[tuple[str, str, object, int, object]] = [
        ("PUT", COMMANDS, command_sync_request(), 200, command_sync_response()),
        ("POST", CALLBACK, channel_message_callback(), 200, callback_response()),
        ("POST", CALLBACK, broken_callback, 200, callback_response(resource={"type": 4})),
        ("POST", CALLBACK, {"type": 99}, 204, None),
        ("PATCH", ORIGINAL, {"content": None, "components": []}, 200, missing_id),
        ("POST", CHANNEL_MESSAGES, {"allowed_mentions": {"parse": ["all"]}}, 200, message()),
        ("POST", CHANNEL_MESSAGES, {"content": 5}, 429, {"retry_after": "soon"}),
    ]
    for method, path, request, status, response in exchanges:
        fast = contract.check_exchange(method, path, request, status, response)
        slow = plain.check_exchange(method, path, request, status, response)
        assert fast == slow, (method, path)


def test_two_hundred_exchanges_are_quick(contract: DiscordContract) -> None:
    exchanges: list[tuple[str, str, object, int, object]] = [
        ("GET", "/users/@me", None, 200, bot_user() | {"mfa_enabled": False, "locale": "en-US"}),
        ("PUT", COMMANDS, command_sync_request(), 200, command_sync_response()),
        (
            "POST",
            CALLBACK,
            channel_message_callback(),
            200,
            callback_response(resource={"type": 4, "message": interaction_message()}),
        ),
        ("POST", f"{FOLLOWUP}?wait=true", {"content": "x"}, 200, interaction_message()),
        ("PATCH", ORIGINAL, {"content": "y"}, 200, interaction_message(edited_timestamp=NOW)),
        (
            "POST",
            CHANNEL_MESSAGES,
            {"content": "z", "nonce": "1", "enforce_nonce": True},
            200,
            message(),
        ),
        (
            "POST",
            CHANNEL_MESSAGES,
            {"content": "z"},
            403,
            {"code": 50013, "message": "Missing Permissions"},
        ),
        ("DELETE", ORIGINAL, None, 204, None),
    ]
    batch = [copy.deepcopy(exchanges[i % len(exchanges)]) for i in range(200)]
    started = time.perf_counter()
    for method, path, request, status, response in batch:
        assert contract.check_exchange(method, path, request, status, response) == []
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"200 exchanges took {elapsed:.2f}s"
