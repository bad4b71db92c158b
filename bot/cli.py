"""`watchclub`: run the bot, play the offline demo, sync commands, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import discord

from bot import __version__
from bot.clock import SystemClock, to_unix
from bot.config import Settings, SettingsError, load_settings
from bot.instance_lock import AlreadyRunning
from bot.logging_setup import configure_logging
from bot.outbox.repository import OutboxRepository
from bot.polls.anonymity import VoterKeyError
from bot.storage import migrations
from bot.storage.database import Database
from bot.timers.report import timer_report
from bot.timers.repository import TimerRepository

EXIT_USAGE = 2
SETUP_HINT = (
    "See 'Set up the Discord application' in README.md to create a bot and get a token, "
    "or try `watchclub demo`, which needs no token."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchclub",
        description="A Discord bot for K-drama and anime communities: find, decide, watch.",
    )
    parser.add_argument("--version", action="version", version=f"watchclub {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="connect to Discord and run the bot (needs DISCORD_TOKEN)")
    demo = commands.add_parser(
        "demo", help="play a scripted community session against a local Discord stand-in"
    )
    demo.add_argument("--color", action="store_true", help="colour the transcript")
    commands.add_parser("sync", help="push the slash commands to Discord now")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply pending migrations")
    db_commands.add_parser("status", help="show the schema version and pending migrations")
    backup = db_commands.add_parser("backup", help="copy the database safely, even while running")
    backup.add_argument("path", type=Path, help="where to write the copy")
    timers = commands.add_parser("timers", help="scheduled work: status, dead timers, retries")
    timer_commands = timers.add_subparsers(dest="timers_command", required=True, metavar="ACTION")
    timer_commands.add_parser(
        "status", help="counts, the next due time, dead timers and undelivered messages"
    )
    timer_commands.add_parser("retry-dead", help="give every dead timer a fresh set of attempts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from bot.demo import run_demo

        # The transcript tells the story; warnings on stderr would interrupt it.
        configure_logging(logging.ERROR)
        return asyncio.run(run_demo(color=args.color))
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"watchclub: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level_number)
    match args.command:
        case "run" | "sync":
            return _run_or_sync(settings, args.command)
        case "db":
            return asyncio.run(_db_command(settings, args))
        case "timers":
            return asyncio.run(_timers_command(settings, args))
    return EXIT_USAGE


def _run_or_sync(settings: Settings, command: str) -> int:
    from bot.runner import run_bot, sync_once

    if settings.discord_token is None:
        print(f"watchclub: DISCORD_TOKEN is not set. {SETUP_HINT}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if command == "run":
            asyncio.run(run_bot(settings))
        else:
            synced = asyncio.run(sync_once(settings))
            print("Commands synced." if synced else "Nothing to sync.")
    except discord.LoginFailure:
        print(f"watchclub: Discord rejected DISCORD_TOKEN. {SETUP_HINT}", file=sys.stderr)
        return EXIT_USAGE
    except discord.PrivilegedIntentsRequired:
        print("watchclub: Discord refused the gateway intents.", file=sys.stderr)
        return 1
    except (migrations.MigrationError, AlreadyRunning, VoterKeyError) as exc:
        print(f"watchclub: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _no_database(settings: Settings) -> bool:
    """Asking about a database must not create one (a typo in the path would)."""
    if settings.database.exists():
        return False
    print(
        f"watchclub: there is no database at {settings.database} yet; "
        "it is created by `watchclub run` or `watchclub db upgrade`.",
        file=sys.stderr,
    )
    return True


async def _timers_command(settings: Settings, args: argparse.Namespace) -> int:
    if _no_database(settings):
        return 1
    db = await Database.open(settings.database)
    try:
        state = await migrations.status(db)
        if state.pending or state.current > state.latest:
            print(
                f"watchclub: the database is at schema version {state.current} and this "
                f"watchclub expects {state.latest}; see `watchclub db status`.",
                file=sys.stderr,
            )
            return 1
        if args.timers_command == "retry-dead":
            count = await TimerRepository(db, OutboxRepository(db)).retry_dead(
                now=to_unix(SystemClock().now())
            )
            print(f"re-queued {count} dead timers; a running bot picks them up within seconds")
        else:
            print("\n".join(await timer_report(db)))
    finally:
        await db.close()
    return 0


async def _db_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command in ("status", "backup") and _no_database(settings):
        return 1
    db = await Database.open(settings.database)
    try:
        match args.db_command:
            case "upgrade":
                applied = await migrations.upgrade(db)
                for migration in applied:
                    print(f"applied {migration.version:04d}_{migration.name}")
                state = await migrations.status(db)
                print(f"{settings.database}: schema version {state.current} (up to date)")
            case "status":
                state = await migrations.status(db)
                print(f"database: {settings.database}")
                print(
                    f"schema version: {state.current} (this watchclub knows up to {state.latest})"
                )
                if state.current > state.latest:
                    print("the database is newer than this watchclub: upgrade watchclub")
                elif state.pending:
                    names = ", ".join(f"{m.version:04d}_{m.name}" for m in state.pending)
                    print(f"pending: {names} (run `watchclub db upgrade`)")
                else:
                    print("pending: none")
            case "backup":
                await db.backup_to(args.path)
                print(f"backed up {settings.database} to {args.path}")
    except migrations.MigrationError as exc:
        print(f"watchclub: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    return 0
