"""The book's notebook pages, read from _toc.yml, and the rules every chapter keeps.

    python .ci/notebooks.py list    print the .ipynb page of every _toc.yml entry, one a line
    python .ci/notebooks.py check   fail (exit 1) when a page breaks the chapter shape

`make test` runs `check`, then hands `list` to nbval, so every page in the table of contents
is executed and no notebook in book/ is left out of it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".ipynb", ".md")
MAX_COLUMNS = 88  # STYLE.md asks for ~80; past this a line scrolls on the website


# ---- the table of contents ----
def _entries(node: object) -> Iterator[str]:
    """Every `file:` (and `root:`) in a jb-book table of contents, in reading order."""
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                yield node[key]
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                yield from _entries(child)
    elif isinstance(node, list):
        for child in node:
            yield from _entries(child)


def pages() -> list[Path]:
    """The source file of every page in _toc.yml (an entry may omit its suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = []
    for entry in _entries(toc):
        path = ROOT / entry
        candidates = [path] if path.suffix in SUFFIXES else [path.with_suffix(s) for s in SUFFIXES]
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            raise SystemExit(f"_toc.yml lists {entry!r}, but no {entry}.ipynb or .md exists")
        found.append(existing[0])
    return found


def notebooks() -> list[Path]:
    return [p for p in pages() if p.suffix == ".ipynb"]


# ---- the chapter shape ----
def _repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"]


def problems(path: Path, url: str) -> list[str]:
    """What is wrong with one notebook page (an empty list when nothing is)."""
    nb = json.loads(path.read_text())
    found = []
    cells = nb.get("cells", [])
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec must be python3")
    for i, cell in enumerate(cells):
        stray = sorted({repr(c) for c in "".join(cell["source"]) if c < " " and c != "\n"})
        if stray:  # "\frac" written into JSON unescaped becomes a form feed and "rac"
            found.append(f"cell {i} holds control characters {', '.join(stray)}: an unescaped "
                         "backslash in the notebook's JSON (\\t, \\f, \\r, \\b)?")  # fmt: skip
        if cell["cell_type"] != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            found.append(f"cell {i} has stored outputs (commit notebooks without outputs)")
        source = "".join(cell["source"])
        for n, line in enumerate(source.splitlines(), 1):
            if len(line) > MAX_COLUMNS:
                found.append(f"cell {i} line {n} is {len(line)} columns (keep under ~80)")
    first = cells[0] if cells else None
    if first is None or first["cell_type"] != "code":
        found.append("the first cell must be the Colab install cell")
    else:
        source = "".join(first["source"])
        tags = first.get("metadata", {}).get("tags", [])
        if "google.colab" not in source or url not in source:
            found.append(f"the first cell must install derivlab from {url} in Colab only")
        if "remove-cell" not in tags:
            found.append("the Colab install cell must be tagged remove-cell")
    return found


def check() -> int:
    listed = pages()
    url = _repository_url()
    failures = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        if path not in listed:
            failures.append(f"{path.relative_to(ROOT)}: not in _toc.yml, so never tested")
    for path in notebooks():
        failures += [f"{path.relative_to(ROOT)}: {p}" for p in problems(path, url)]
    for line in failures:
        print(line, file=sys.stderr)
    print(f"checked {len(listed)} pages in _toc.yml: {len(failures)} problem(s)")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv == ["list"]:
        print("\n".join(str(p.relative_to(ROOT)) for p in notebooks()))
        return 0
    if argv == ["check"]:
        return check()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
