"""The book's notebook pages, read from _toc.yml, and the rules every chapter keeps.

    python .ci/notebooks.py list    print the .ipynb page of every _toc.yml entry, one a line
    python .ci/notebooks.py check   fail (exit 1) when a page breaks the chapter shape

`make test` runs `check`, then hands `list` to nbval, so every page in the table of contents
is executed and no notebook in book/ is left out of it.

`check` also keeps the exercises honest. A chapter is either old-style (its hidden cells call
`dl.exercises.compare`) or new-style (its check cells call `dl.exercises.check("N.k", ...)`),
never both. A new-style chapter's ids are exactly those of its bank
(`derivlab.exercises.exercise_ids(N)`), it holds no `compare(` and no `strict=True` (nothing of
a solution), each exercise links to its solutions page, and that page,
book/solutions/NN-slug.ipynb, is in _toc.yml and checks exactly the same ids with
`strict=True`. A solutions page has the Colab cell, no exercises of its own, and only strict
checks.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT  # where derivlab is imported from (ROOT may point elsewhere in tests)
SUFFIXES = (".ipynb", ".md")
MAX_COLUMNS = 88  # STYLE.md asks for ~80; past this a line scrolls on the website
CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # nbformat 4.5's rule for a cell's "id"


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
    found += _id_problems(nb)
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


def _id_problems(nb: dict) -> list[str]:
    """Every cell has an "id" (nbformat 4.5): present, well formed, unique in the notebook."""
    found, seen = [], {}
    if (nb.get("nbformat", 0), nb.get("nbformat_minor", 0)) < (4, 5):
        found.append("cell ids need nbformat 4.5 or later: set nbformat_minor to 5")
    for i, cell in enumerate(nb.get("cells", [])):
        cell_id = cell.get("id")
        if cell_id is None:
            found.append(f'cell {i} has no "id": give every cell a unique id (nbformat 4.5), '
                         'short, of letters, digits, - and _, e.g. "ch07-graph-plot"')  # fmt: skip
        elif not (isinstance(cell_id, str) and CELL_ID.fullmatch(cell_id)):
            found.append(f"cell {i} has the id {cell_id!r}: an id is 1 to 64 letters, digits, "
                         "- and _")  # fmt: skip
        elif cell_id in seen:
            found.append(f"cells {seen[cell_id]} and {i} share the id {cell_id!r}: ids must be "
                         "unique in a notebook")  # fmt: skip
        else:
            seen[cell_id] = i
    return found


# ---- exercises: chapters, their banks and their solutions pages ----
CHAPTER = re.compile(r"^(\d\d)-.+\.ipynb$")
SOLUTIONS = ROOT / "book" / "solutions"


def _is_solutions_page(path: Path) -> bool:
    return path.parent == SOLUTIONS


def _code(path: Path) -> list[tuple[int, dict, str]]:
    cells = json.loads(path.read_text()).get("cells", [])
    return [(i, c, "".join(c["source"])) for i, c in enumerate(cells) if c["cell_type"] == "code"]


def check_calls(source: str) -> list[tuple[str, bool]]:
    """The `dl.exercises.check("N.k", ..., strict=...)` calls in a cell: (id, strict)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: fall back to the text
        found = re.findall(r"dl\.exercises\.check\(\s*[\"']([^\"']+)[\"']([^\n]*)", source)
        return [(i, "strict=True" in rest) for i, rest in found]
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "dl.exercises.check"):
            continue
        first = node.args[0] if node.args else None
        exercise_id = first.value if isinstance(first, ast.Constant) else ast.unparse(first)
        strict = any(
            k.arg == "strict" and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in node.keywords
        )
        calls.append((str(exercise_id), strict))
    return calls


def solutions_problems(path: Path) -> list[str]:
    """What is wrong with a solutions page: no exercises of its own, strict checks only."""
    nb = json.loads(path.read_text())
    found = []
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if re.search(r"^#+ Exercises", text, re.M):
        found.append("a solutions page has no exercises section")
    chapter = re.match(r"^(\d\d)-", path.name)
    if chapter is None:
        return [*found, "a solutions page is named after its chapter, NN-slug.ipynb"]
    n = int(chapter.group(1))
    if not re.search(rf"^# Solutions to chapter {n}\b", text, re.M):
        found.append(f"the title must read '# Solutions to chapter {n}: ...'")
    if f"../{path.name}" not in text:
        found.append(f"the page must link back to its chapter, ../{path.name}")
    if not (ROOT / "book" / path.name).is_file():
        found.append(f"there is no chapter book/{path.name} for these solutions")
    for i, _cell, source in _code(path):
        if "dl.exercises.compare(" in source:
            found.append(f"cell {i} calls dl.exercises.compare; use dl.exercises.check(id, ...)")
        for exercise_id, strict in check_calls(source):
            if not strict:
                found.append(
                    f"cell {i} checks {exercise_id} without strict=True (a worked solution's "
                    "check must raise when it is wrong)"
                )
    return found


def exercise_problems(path: Path, listed: list[Path]) -> list[str]:
    """The exercise rules of one chapter (see the module's docstring)."""
    n = int(CHAPTER.match(path.name).group(1))
    code = _code(path)
    old = [i for i, _c, s in code if "dl.exercises.compare(" in s]
    checks = [(i, c, e, strict) for i, c, s in code for e, strict in check_calls(s)]
    if not checks:
        return []  # old-style, or no exercises: the rules below are for converted chapters
    found = []
    if old:
        found.append(
            f"cells {old} call dl.exercises.compare and others dl.exercises.check: convert "
            "the whole chapter to check(id, ...)"
        )
    if solved_here := sorted({e for _i, _c, e, strict in checks if strict}):
        found.append(f"the chapter checks {solved_here} with strict=True: solutions belong on the "
                     "solutions page")  # fmt: skip
    for i, cell, exercise_id, _strict in checks:
        if not exercise_id.startswith(f"{n}."):
            found.append(f"cell {i} checks exercise {exercise_id}, not one of chapter {n}")
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"remove-input", "hide-input", "remove-cell", "hide-cell"}:
            found.append(f"cell {i}, the check of {exercise_id}, must be visible (tags {tags})")
    for i, cell, _s in code:
        if "code_prompt_show" in json.dumps(cell.get("metadata", {})):
            found.append(f"cell {i} keeps a 'Show solution' prompt: solutions have moved")
    ids = [e for _i, _c, e, _s in checks]
    if str(REPOSITORY) not in sys.path:
        sys.path.insert(0, str(REPOSITORY))  # derivlab from this checkout
    from derivlab.exercises import exercise_ids

    bank = exercise_ids(n)
    if missing := sorted(set(ids) - set(bank)):
        found.append(f"no bank entry for {missing} in derivlab/exercises/_ch{n:02d}.py")
    if unused := sorted(set(bank) - set(ids)):
        found.append(f"the bank holds {unused}, which the chapter never checks")
    if twice := sorted({e for e in ids if ids.count(e) > 1}):
        found.append(f"exercises {twice} are checked more than once")
    page = SOLUTIONS / path.name
    link = f"solutions/{path.name}"
    markdown = [
        "".join(c["source"])
        for c in json.loads(path.read_text())["cells"]
        if c["cell_type"] == "markdown"
    ]
    for text in markdown:
        heading = re.search(rf"^#+ Exercise ({n}\.\d+)", text, re.M)
        if heading and link not in text:
            found.append(f"exercise {heading.group(1)} does not link to its solutions, {link}")
    if not page.is_file():
        return [*found, f"its solutions page {page.relative_to(ROOT)} does not exist"]
    if page not in listed:
        found.append(f"its solutions page {page.relative_to(ROOT)} is not in _toc.yml")
    solved = [e for _i, _c, s in _code(page) for e, strict in check_calls(s) if strict]
    if sorted(set(solved)) != sorted(set(ids)):
        found.append(
            f"{page.relative_to(ROOT)} checks {sorted(set(solved))} with strict=True, the "
            f"chapter {sorted(set(ids))}"
        )
    return found


def check() -> int:
    listed = pages()
    url = _repository_url()
    failures = []
    on_disk = [*(ROOT / "book").glob("*.ipynb"), *SOLUTIONS.glob("*.ipynb")]
    for path in sorted(on_disk):
        if path not in listed:
            failures.append(f"{path.relative_to(ROOT)}: not in _toc.yml, so never tested")
    for path in notebooks():
        found = problems(path, url)
        if _is_solutions_page(path):
            found += solutions_problems(path)
        elif CHAPTER.match(path.name):
            found += exercise_problems(path, listed)
        failures += [f"{path.relative_to(ROOT)}: {p}" for p in found]
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
