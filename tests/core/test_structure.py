"""The layout's rules, checked on the source: imports run one way between the packages, and
every KAPPA_* variable is read by kappa/settings.py only and documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kappa.settings import VARIABLES

from support.data import PROJECT_DIR

PACKAGES = ("kappa", "ingest", "spark_streaming", "benchmarks")
# what each package (or part) may import of the others
ALLOWED = {
    "kappa": set(),
    "kappa.ops": set(),  # metrics, kappa_ops history, status, dashboard: the core only
    "kappa.cli": {"ingest", "spark_streaming", "benchmarks"},
    "ingest": {"kappa"},
    "spark_streaming": {"kappa"},
    "benchmarks": {"kappa", "ingest", "spark_streaming"},
}


def python_files(package: str) -> list[Path]:
    return sorted((PROJECT_DIR / package).rglob("*.py"))


def part_of(path: Path) -> str:
    """The package a file belongs to; kappa/cli and the `python -m kappa` entry point are the
    wiring, apart from the core."""
    relative = path.relative_to(PROJECT_DIR).parts
    wiring = relative[:2] == ("kappa", "cli") or relative == ("kappa", "__main__.py")
    if relative[:2] == ("kappa", "ops"):
        return "kappa.ops"
    return "kappa.cli" if wiring else relative[0]


def imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names if name.split(".")[0] in PACKAGES} | {
        "kappa.cli" for name in names if name.startswith("kappa.cli")
    }


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {part: set() for part in ALLOWED}
    for package in PACKAGES:
        for path in python_files(package):
            part = part_of(path)
            own = {part, part.split(".")[0]}
            graph[part] |= imported_packages(path) - own
    return graph


def test_imports_run_one_way():
    graph = import_graph()
    upward = {part: sorted(imports - ALLOWED[part]) for part, imports in graph.items()}
    assert {part: names for part, names in upward.items() if names} == {}


def test_kappa_variables_are_read_in_settings_only():
    reads = re.compile(r"""environ(?:\.get)?[\[(]\s*["'](KAPPA_[A-Z_]+)""")
    offenders = [
        f"{path.relative_to(PROJECT_DIR)}: {name}"
        for package in PACKAGES
        for path in python_files(package)
        if path.name != "settings.py"
        for name in reads.findall(path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("document", ["README.md", "docs/operations.md"])
def test_every_variable_is_documented(document):
    text = (PROJECT_DIR / document).read_text()
    assert [v.name for v in VARIABLES if v.name not in text] == []
