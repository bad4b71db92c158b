"""Errors: the ones Discord answers over HTTP, and the ones a test sees when it drives the bot."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An HTTP error answer in Discord's JSON shape: {"message", "code", "errors"?}."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            payload["errors"] = self.errors
        return payload


def invalid_form(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def field_error(code: str, message: str) -> dict[str, Any]:
    # Real Discord uses string codes inside "_errors" (the OpenAPI spec says integer; Discord wins).
    return {"_errors": [{"code": code, "message": message}]}


def unknown(kind: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {kind}")


class SandboxError(Exception):
    """Base for mistakes in how a test drives the sandbox."""


class UnsyncedCommandError(SandboxError, LookupError):
    """A test invoked a command the bot never synced, which real Discord users could not do."""


class InteractionTimeoutError(SandboxError, TimeoutError):
    """The bot did not (finish) answering an interaction in time."""


class NotConnectedError(SandboxError, RuntimeError):
    """No bot session is connected to the gateway, so nothing would receive the event."""


class CommandNotPermittedError(SandboxError, PermissionError):
    """The member lacks the command's default_member_permissions, so Discord would hide it."""
