"""`python -m bench NAME [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bench import autocomplete, startup

BENCHMARKS = {"autocomplete": autocomplete.run, "startup": startup.run}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = asyncio.run(BENCHMARKS[args.name](rounds=args.rounds))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:45} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
