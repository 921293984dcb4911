"""The folder layout is the architecture: shared test tools live in tools/, which tests and
benchmarks import and never each other; the app never imports tools (it is not installed).
Checked on the source with ``ast``, so nothing here is imported or run."""
import ast
import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# folder -> top-level names its modules must not import
FORBIDDEN = {
    "tests": {"benchmarks", "load", "soak", "bench_browser", "bench_lottery", "bench_tinynet"},
    "benchmarks": {"tests", "conftest"},
    "tools": {"tests", "conftest", "benchmarks", "load"},
    "app": {"tools", "tests", "conftest", "benchmarks"},
    "tinynet": {"tools", "tests", "conftest", "benchmarks"},
}


def imported(path: Path) -> set[str]:
    """The top-level names of the absolute imports in a Python file, wherever they appear."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_forbidden_imports(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}/"
    wrong = {str(f.relative_to(ROOT)): sorted(imported(f) & FORBIDDEN[folder]) for f in files}
    assert not {f: names for f, names in wrong.items() if names}


def test_tests_and_benchmarks_use_the_shared_tools():
    """The scan sees real imports: both sides reach the shared tools."""
    for folder in ("tests", "benchmarks"):
        assert any("tools" in imported(f) for f in (ROOT / folder).rglob("*.py")), folder


def test_tools_is_not_shipped():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatch.fnmatch("app", pattern) for pattern in include)
    assert not any(fnmatch.fnmatch(name, pattern) for name in ("tools", "tools.net")
                   for pattern in include)
