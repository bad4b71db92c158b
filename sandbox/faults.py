"""Injected REST failures: rate limits, server errors and refusals, the way Discord sends them."""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass
from typing import Any

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


def bucket_hash(route: str) -> str:
    return hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:16]


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
            return self._rate_limited(template)
        code = self.code if self.code is not None else _DEFAULT_CODES.get(self.status, 0)
        message = self.message or _STATUS_MESSAGES.get(self.status, f"{self.status}: Error")
        return self.status, {"message": message, "code": code}, {}

    def _rate_limited(self, template: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        body: dict[str, Any] = {
            "message": self.message or "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.global_,
            "code": self.code if self.code is not None else 0,
        }
        headers = {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + self.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(template or self.route),
            "X-RateLimit-Scope": "global" if self.global_ else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up (http.py).
            "Via": "1.1 google",
        }
        if self.global_:
            headers["X-RateLimit-Global"] = "true"
        return 429, body, headers


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
