"""sandbox/ ships in the wheel, so it may import only the standard library, itself and the
project's runtime dependencies; test-only helpers (the OpenAPI contract checker) live in tests/."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _runtime_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = (re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0] for spec in project["dependencies"])
    return {name.lower().replace("_", "-") for name in names}


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_sandbox_imports_only_runtime_dependencies() -> None:
    runtime = _runtime_distributions()
    providers = importlib.metadata.packages_distributions()
    outside: list[str] = []
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        for module in _imported_modules(path):
            if module in sys.stdlib_module_names or module in ("__future__", "sandbox"):
                continue
            dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
            if not dists & runtime:
                outside.append(f"{path.relative_to(ROOT)}: {module}")
    assert outside == []
