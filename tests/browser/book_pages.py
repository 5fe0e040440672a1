"""The book's pages as _toc.yml lists them, and the repository the launch buttons point at."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("DERIVLAB_SITE", ROOT / "_build" / "html"))


# ---- the pages: every entry of _toc.yml ----
@dataclass(frozen=True)
class Page:
    """One page of the table of contents: its source file and its built HTML path."""

    source: Path  # book/04-many-variables.ipynb
    html: str  # book/04-many-variables.html, relative to the site root

    @property
    def is_notebook(self) -> bool:
        return self.source.suffix == ".ipynb"

    @property
    def name(self) -> str:
        return self.source.stem


def _load_toc_reader():
    # .ci/notebooks.py already reads _toc.yml for nbval; use its reader rather than a second one
    spec = importlib.util.spec_from_file_location("ci_notebooks", ROOT / ".ci" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toc_pages() -> list[Page]:
    """Every page listed in _toc.yml, in reading order."""
    return [
        Page(source, source.relative_to(ROOT).with_suffix(".html").as_posix())
        for source in _load_toc_reader().pages()
    ]


def repository() -> dict:
    """The `repository:` block of _config.yml (url, branch, path_to_book)."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
