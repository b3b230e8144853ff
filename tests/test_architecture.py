"""The layout of docs/architecture.md holds: one-way layers, small domain modules, no test
utility at run time."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "org", "providers", "accounts", "beneficiaries", "payments", "reports", "api"]
# Not domain code: the web layer, commands, migrations, the admin.
NOT_DOMAIN = {"views", "urls", "admin", "forms", "templatetags", "management", "migrations", "apps"}
MAX_DOMAIN_LINES = 600


def _modules(apps):
    for app in apps:
        yield from sorted((ROOT / app).rglob("*.py"))


def _is_domain(path: Path) -> bool:
    parts = set(path.relative_to(ROOT).with_suffix("").parts)
    return not (parts & NOT_DOMAIN) and not any(p.startswith("views") for p in parts)


def test_the_layers_contract_holds():
    """import-linter's layers contract (pyproject.toml): an upward import fails here and in lint."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_no_domain_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules(APPS)
        if _is_domain(path) and (n := len(path.read_text().splitlines())) > MAX_DOMAIN_LINES
    }
    assert long == {}


def test_no_test_utility_at_run_time():
    """django.test (override_settings, the test client) belongs to the tests only. (The bench
    times pages through django.test's Client: it measures the application, it is not part of it.)
    """
    found = []
    for path in _modules([*APPS, "demo", "config"]):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [
                f"{path.relative_to(ROOT)}: {n}" for n in names if n.startswith("django.test")
            ]
    assert found == []
