"""Injected REST failures: rate limits, server errors and refusals, the way Discord sends them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.rate_limits import rate_limited_answer

_STATUS_MESSAGES = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "Missing Permissions",
    404: "404: Not Found",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}
_DEFAULT_CODES = {400: 50035, 403: 50013}


def route_pattern(route: str) -> re.Pattern[str]:
    """`/channels/{channel_id}/messages` matches any channel id; a concrete path matches itself."""
    parts = re.split(r"(\{[^}/]+\})", route.rstrip("/") or "/")
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


@dataclass
class Fault:
    method: str | None
    route: str
    status: int
    remaining: int
    retry_after: float
    code: int | None
    global_: bool
    message: str | None

    def __post_init__(self) -> None:
        self._pattern = route_pattern(self.route)

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.route == template or bool(self._pattern.match(path))

    def answer(self, template: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        if self.status == 429:
            return rate_limited_answer(
                template or self.route,
                self.retry_after,
                global_=self.global_,
                message=self.message,
                code=self.code,
            )
        code = self.code if self.code is not None else _DEFAULT_CODES.get(self.status, 0)
        message = self.message or _STATUS_MESSAGES.get(self.status, f"{self.status}: Error")
        return self.status, {"message": message, "code": code}, {}


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def take(self, method: str, path: str, template: str | None) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path, template):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[Fault]:
        return list(self._faults)
