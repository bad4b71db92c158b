"""Discord's 429s: the one place their body and headers are built, and the global limit.

Injected faults (faults.py) and the opt-in global limit answer through `rate_limited_answer`,
so discord.py sees the same wire format from both.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

WINDOW_SECONDS = 1.0


def bucket_hash(route: str) -> str:
    return hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:16]


def rate_limited_answer(
    bucket_route: str,
    retry_after: float,
    *,
    global_: bool,
    message: str | None = None,
    code: int | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A 429 as Discord sends it: status, JSON body and headers. `bucket_route` names the
    X-RateLimit-Bucket; `global_` marks the global limit (body, X-RateLimit-Global, scope)."""
    body: dict[str, Any] = {
        "message": message or "You are being rate limited.",
        "retry_after": retry_after,
        "global": global_,
        "code": code if code is not None else 0,
    }
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash(bucket_route),
        "X-RateLimit-Scope": "global" if global_ else "user",
        # discord.py treats a 429 without Via as a Cloudflare ban and gives up (http.py).
        "Via": "1.1 google",
    }
    if global_:
        headers["X-RateLimit-Global"] = "true"
    return 429, body, headers


class GlobalRateLimit:
    """Discord's global limit: at most `per_second` requests in any one second. The window
    slides over the times of the requests it let through; refused ones do not fill it."""

    def __init__(self, per_second: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second < 1:
            raise ValueError(f"a global rate limit needs at least 1 request/s, not {per_second}")
        self.per_second = per_second
        self.refused = 0
        self._clock = clock
        self._accepted: deque[float] = deque()

    def admit(self) -> float | None:
        """Count one request and return None, or refuse it and return the seconds until the
        window has room (rounded up to the millisecond, so a client that waits that long fits)."""
        now = self._clock()
        while self._accepted and self._accepted[0] <= now - WINDOW_SECONDS:
            self._accepted.popleft()
        if len(self._accepted) < self.per_second:
            self._accepted.append(now)
            return None
        self.refused += 1
        wait = self._accepted[0] + WINDOW_SECONDS - now
        return max(0.001, math.ceil(wait * 1000) / 1000)
