"""The wheel ships bot/, cogs/, sandbox/ and migrations/, and nothing that only tests need.

The packages pyproject.toml hands to the wheel leave out tests/ and bench/, and no shipped module
imports a dev-only dependency (the contract checker's jsonschema, pytest, APScheduler for the
bench, ...): every import is the standard library, a shipped package or a runtime dependency.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Dev-only modules that must never be imported by what ships (import names, not distributions).
DEV_ONLY_MODULES = frozenset(
    {
        "jsonschema",
        "openapi_schema_validator",
        "pytest",
        "hypothesis",
        "respx",
        "time_machine",
        "apscheduler",
        "sqlalchemy",
    }
)
TEST_ONLY_FOLDERS = ("tests", "bench")


def _distribution(name: str) -> str:
    """PEP 503's normal form: `discord.py`, `Discord_Py` and `discord-py` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_distribution(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0]) for spec in requirements}


def _runtime_distributions() -> set[str]:
    return _requirement_names(PYPROJECT["project"]["dependencies"])


def _dev_distributions() -> set[str]:
    return _requirement_names(PYPROJECT["project"]["optional-dependencies"]["dev"])


def _wheel_packages() -> list[str]:
    wheel: dict[str, Any] = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    packages: list[str] = wheel["packages"]
    return packages


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _top_level_imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def imports_outside_runtime(root: Path, packages: list[str], runtime: set[str]) -> list[str]:
    """`path:line: module` for each import in the shipped packages that a plain install lacks."""
    shipped = {Path(package).name for package in packages}
    providers = importlib.metadata.packages_distributions()
    outside: list[str] = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for line, module in sorted(_top_level_imports(path)):
                if module in sys.stdlib_module_names or module == "__future__" or module in shipped:
                    continue
                dists = {_distribution(d) for d in providers.get(module, [])}
                if module in DEV_ONLY_MODULES or not dists & runtime:
                    outside.append(f"{path.relative_to(root).as_posix()}:{line}: {module}")
    return outside


def test_the_wheel_packages_leave_out_tests_and_bench() -> None:
    packages = _wheel_packages()
    assert {Path(p).parts[0] for p in packages} == {"bot", "cogs", "sandbox", "migrations"}
    # Nothing else in hatch's build settings (include, force-include, ...) names them either.
    named = list(_strings(PYPROJECT["tool"]["hatch"]["build"]))
    assert not [s for s in named if s.strip("/").startswith(TEST_ONLY_FOLDERS)]


def test_shipped_modules_import_only_runtime_dependencies() -> None:
    assert imports_outside_runtime(ROOT, _wheel_packages(), _runtime_distributions()) == []


def test_dev_only_modules_belong_to_dev_dependencies() -> None:
    """The list above names real dev dependencies, none of which the runtime also needs."""
    providers = importlib.metadata.packages_distributions()
    dev, runtime = _dev_distributions(), _runtime_distributions()
    for module in DEV_ONLY_MODULES:
        dists = {_distribution(d) for d in providers.get(module, [])}
        assert dists & dev, f"{module} is not installed by a dev dependency"
        assert not dists & runtime, f"{module} is a runtime dependency"


def test_a_planted_dev_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "fine.py").write_text("import json\nimport httpx\nfrom bot import fine\n")
    (tmp_path / "bot" / "leaky.py").write_text(
        "def check():\n    import jsonschema\n\nfrom tests.support import contract\n"
    )
    (tmp_path / "cogs").mkdir()
    (tmp_path / "cogs" / "bench_use.py").write_text("from apscheduler import events\n")

    found = imports_outside_runtime(tmp_path, ["bot", "cogs"], _runtime_distributions())

    assert found == [
        "bot/leaky.py:2: jsonschema",
        "bot/leaky.py:4: tests",
        "cogs/bench_use.py:1: apscheduler",
    ]
