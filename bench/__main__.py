"""`python -m bench NAME [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bench import (
    autocomplete,
    edits,
    load,
    providers_down,
    recommend,
    soak,
    startup,
    timers,
    votes,
)

Benchmark = Callable[..., Coroutine[Any, Any, dict[str, Any]]]
BENCHMARKS: dict[str, Benchmark] = {
    "autocomplete": autocomplete.run,
    "edits": edits.run,
    "load": load.run,
    "providers-down": providers_down.run,
    "recommend": recommend.run,
    "soak": soak.run,
    "startup": startup.run,
    "timers": timers.run,
    "votes": votes.run,
}
# Options only some benchmarks take: name -> the benchmarks that accept it.
SIZED = {
    "pending": {"timers"},
    "rate": {"timers", "votes", "load", "soak"},
    "seconds": {"timers", "load"},
    "minutes": {"soak"},
    "servers": {"load", "soak"},
    "members": {"votes", "recommend", "load", "soak"},
    "votes": {"votes"},
    "titles": {"recommend"},
    "ratings_per_member": {"recommend"},
    "seed": {"recommend"},
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pending", type=int, help="timers: timers waiting (1,000,000)")
    parser.add_argument(
        "--rate",
        type=int,
        help="timers: timers due per second (1,000); votes: clicks offered per second (1,000);"
        " load: steady arrivals per second (40); soak: arrivals per second (10)",
    )
    parser.add_argument(
        "--seconds", type=float, help="timers: seconds of firing (10); load: steady run (180)"
    )
    parser.add_argument("--minutes", type=float, help="soak: minutes of traffic (20)")
    parser.add_argument("--servers", type=int, help="load, soak: servers (200)")
    parser.add_argument(
        "--members",
        type=int,
        help="votes: members clicking (1,000); recommend: members (5,000);"
        " load, soak: members in all servers (20,000)",
    )
    parser.add_argument("--votes", type=int, help="votes: clicks in all (3,000)")
    parser.add_argument("--titles", type=int, help="recommend: titles, catalog included (20,000)")
    parser.add_argument("--ratings-per-member", type=int, help="recommend: ratings per member (50)")
    parser.add_argument("--seed", type=int, help="recommend: the community's seed (12)")
    args = parser.parse_args()
    options = {name: getattr(args, name) for name in SIZED if getattr(args, name) is not None}
    for name in options:
        if args.name not in SIZED[name]:
            parser.error(f"--{name.replace('_', '-')} does not apply to {args.name}")
    figures = asyncio.run(BENCHMARKS[args.name](rounds=args.rounds, **options))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


def _print(figures: dict[str, Any], indent: str = "") -> None:
    """One figure a line; a table (a dict or a list of dicts) with its rows indented below."""
    for key, value in figures.items():
        if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
            print(f"{indent}{key}")
            _print(value, indent + "  ")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            print(f"{indent}{key}")
            for row in value:
                print(f"{indent}  {row}")
        else:
            print(f"{indent}{key:{45 - len(indent)}} {value}")


if __name__ == "__main__":
    sys.exit(main())
