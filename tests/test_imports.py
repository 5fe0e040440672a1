"""The package's import structure: the tracer imports no rule, and plotting loads on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import derivlab as dl

PACKAGE = Path(dl.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_core_imports_no_rule_and_no_numpy_layer() -> None:
    imported = _imported_modules(PACKAGE / "_core.py")
    derivlab_modules = {m for m in imported if m.startswith("derivlab")}
    assert derivlab_modules == set(), derivlab_modules


def test_import_does_not_load_matplotlib() -> None:
    code = (
        "import sys, derivlab as dl; assert 'matplotlib' not in sys.modules; "
        "dl.plot.style; assert 'matplotlib' in sys.modules; "
        "from derivlab import data, exercises, symbolic; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_lazy_modules_are_listed() -> None:
    assert {"plot", "symbolic", "exercises", "data"} <= set(dir(dl))
