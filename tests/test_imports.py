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


def test_malloc_thresholds_are_set_once_unless_the_user_chose_their_own() -> None:
    """Importing derivlab on glibc sets malloc's mapping and trimming thresholds (see
    derivlab._heap); DERIVLAB_MALLOC=default, or any MALLOC_*_ / GLIBC_TUNABLES setting of the
    user's, leaves malloc alone."""
    import os

    from derivlab import _heap

    glibc = hasattr(os, "confstr") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    code = "import derivlab._heap as h; print(h.TUNED)"
    for extra, expected in (
        ({}, glibc),
        ({"DERIVLAB_MALLOC": "default"}, False),
        ({"MALLOC_TOP_PAD_": "0"}, False),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"}, False),
    ):
        env = {k: v for k, v in os.environ.items() if k not in _heap._USER_SETTINGS}
        env.pop("DERIVLAB_MALLOC", None)
        env.update(extra)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=False)  # fmt: skip
        assert out.returncode == 0 and out.stdout.strip() == str(expected), (extra, out.stderr)
