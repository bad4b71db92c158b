"""The house rules of DESIGN.md as checks over the source tree, so breaking one fails the build.

- Arrows point one way: bot/ never imports cogs/; sandbox/ imports neither bot/ nor cogs/.
- Only the modules named in DISCORD_MODULES may import discord in bot/; only the demo may
  import the sandbox.
- Cogs reach the domain through `Services`: no cog imports bot.storage or a repository.
- Every cog package in cogs/ is loaded by the bot; no two commands share a name; every command
  has a /help section.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The bot/ modules that may import discord: the Bot class, its error handler, the outbox's
# discord.py transport and the CLI (which reports discord.py's login errors).
DISCORD_MODULES = frozenset(
    {"bot/client.py", "bot/error_handler.py", "bot/discord_transport.py", "bot/cli.py"}
)
SANDBOX_MODULES_IN_BOT = frozenset({"bot/demo.py"})


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the checked root, with forward slashes
    line: int
    rule: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule} (imports {self.imported})"


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in a file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            # `from bot import storage` imports bot.storage too.
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _is(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _rule_for(relative: str, module: str) -> str | None:
    if relative.startswith("bot/"):
        if _is(module, "cogs"):
            return "bot/ must not import cogs/"
        if _is(module, "discord") and relative not in DISCORD_MODULES:
            return "a domain module in bot/ must not import discord"
        if _is(module, "sandbox") and relative not in SANDBOX_MODULES_IN_BOT:
            return "only the demo may import the sandbox"
    elif relative.startswith("cogs/"):
        if _is(module, "bot.storage"):
            return "a cog must not import bot.storage; use bot.services"
        if module.endswith(".repository") or ".repository." in module:
            return "a cog must not build a repository; use bot.services"
    elif relative.startswith("sandbox/") and (_is(module, "bot") or _is(module, "cogs")):
        return "sandbox/ must not import bot/ or cogs/"
    return None


def import_violations(root: Path = ROOT) -> list[Violation]:
    found: list[Violation] = []
    for top in ("bot", "cogs", "sandbox"):
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            seen: set[tuple[int, str]] = set()
            for line, module in imports_of(path):
                rule = _rule_for(relative, module)
                if rule is not None and (line, rule) not in seen:
                    seen.add((line, rule))
                    found.append(Violation(relative, line, rule, module))
    return found


def cog_packages(root: Path = ROOT) -> list[str]:
    """Every package in cogs/ with a `setup` function: the extensions that exist."""
    names = []
    for init in sorted((root / "cogs").glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        if any(
            isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name == "setup"
            for node in tree.body
        ):
            names.append(f"cogs.{init.parent.name}")
    return names


def unloaded_cogs(packages: Iterable[str], extensions: Iterable[str]) -> list[str]:
    loaded = set(extensions)
    return [package for package in packages if package not in loaded]


def duplicate_names(qualified_names: Iterable[str]) -> list[str]:
    counts = Counter(qualified_names)
    return sorted(name for name, count in counts.items() if count > 1)
