"""The statistics core is plain Python: no Django, and SciPy only where a function uses it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import marblejar.pulse.stats

PACKAGE = Path(marblejar.pulse.stats.__file__).resolve().parent
ROOT = PACKAGE.parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def run_python(code: str, tmp_path: Path) -> str:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "marblejar.settings",
        "MARBLEJAR_DATA_DIR": str(tmp_path),
        "MARBLEJAR_SECRET_KEY": "test-only-secret-key-for-the-import-check",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_module_of_the_core_imports_django_or_the_app():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {p.stem for p in modules} >= {
        "scores",
        "reliability",
        "agreement",
        "batch",
        "messages",
        "summary",
    }
    for path in modules:
        for name in imported_modules(path):
            assert not name.startswith("django"), (path.name, name)
            assert not name.startswith("marblejar.") or name.startswith("marblejar.pulse.stats"), (
                path.name,
                name,
            )


def test_the_core_runs_without_django_and_without_scipy_stats(tmp_path):
    out = run_python(
        "import sys\n"
        "from marblejar.pulse import stats\n"
        "b = stats.batch_group_stats([[1.0, 2.0], [3.0, 3.0], [5.0, 4.0]], [0, 0, 0])\n"
        "print(round(float(b.alpha[0]), 6), round(float(b.ci_low[0]), 6))\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('scipy.stats')))\n",
        tmp_path,
    )
    first, loaded = out.splitlines()
    # By hand: item variances 4 and 1, covariance 2, so alpha = 2 (1 - 5/9);
    # scores 1.5, 3, 4.5: mean 3 - t(0.975; 2) * 1.5 / sqrt(3).
    assert first == "0.888889 -0.726207"
    assert loaded == "[]"


def test_importing_the_web_app_does_not_import_scipy(tmp_path):
    # SciPy's distributions take about a second to import; a serving process
    # pays for them only when it first computes a statistic.
    out = run_python(
        "import sys, django\n"
        "django.setup()\n"
        "import marblejar.urls, marblejar.asgi\n"
        "print(sorted(m for m in sys.modules if m == 'scipy' or m.startswith('scipy.')))\n",
        tmp_path,
    )
    assert out.strip() == "[]"
