"""The book's pages as _toc.yml lists them, and the repository the launch buttons point at."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def _toc_entries(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                yield node[key]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                yield from _toc_entries(child)
    elif isinstance(node, list):
        for child in node:
            yield from _toc_entries(child)


def toc_pages() -> list[Page]:
    """Every page listed in _toc.yml, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = []
    for entry in _toc_entries(toc):
        stem = ROOT / Path(entry).with_suffix("")
        source = next(
            (stem.with_suffix(s) for s in (".ipynb", ".md") if stem.with_suffix(s).is_file()),
            stem.with_suffix(".md"),
        )
        pages.append(Page(source, Path(entry).with_suffix(".html").as_posix()))
    return pages


def repository() -> dict:
    """The `repository:` block of _config.yml (url, branch, path_to_book)."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
