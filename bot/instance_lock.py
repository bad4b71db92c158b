"""One running bot per database.

Two bots on one database would both recover each other's running timers at startup and send
every reminder twice. `watchclub run` therefore holds an exclusive lock on `<database>.lock`
while it runs. The kernel drops the lock when the process ends, even on SIGKILL or a power
cut, so there is never a stale lock to clean up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class AlreadyRunning(Exception):
    pass


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def exclusive_instance(database: Path) -> Iterator[None]:
    if sys.platform == "win32":  # no flock; Windows hosts run one bot by convention
        yield
        return
    import fcntl

    path = lock_path_for(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise AlreadyRunning(
                f"another watchclub (process {holder}) is already running on {database}; "
                "stop it first, or point WATCHCLUB_DATABASE at another file."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
