"""The rules of `.ci/notebooks.py check`: every cell has a unique id; a chapter is old-style
or new-style, and a new-style chapter, its bank and its solutions page agree."""

import importlib.util
import json
from pathlib import Path

import pytest

import derivlab.exercises as ex

_SPEC = importlib.util.spec_from_file_location(
    "ci_notebooks", Path(__file__).resolve().parent.parent / ".ci" / "notebooks.py"
)
ci = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ci)

for _id in ("97.1", "97.2"):
    ex.exercise(_id)(lambda: 1.0)

LINK = "Worked solution: [solutions to chapter 97](solutions/97-test.ipynb)."


def _nb(path: Path, cells: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = {"cells": [{"cell_type": kind, "metadata": {}, "source": [text]} for kind, text in cells]}
    path.write_text(json.dumps(nb))
    return path


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setattr(ci, "ROOT", tmp_path)
    monkeypatch.setattr(ci, "SOLUTIONS", tmp_path / "book" / "solutions")
    chapter = tmp_path / "book" / "97-test.ipynb"
    page = _nb(
        tmp_path / "book" / "solutions" / "97-test.ipynb",
        [
            ("markdown", "# Solutions to chapter 97: Test\n\n[chapter 97](../97-test.ipynb)"),
            ("code", 'dl.exercises.check("97.1", 1.0, strict=True)'),
            ("code", 'dl.exercises.check("97.2", 1.0, strict=True)'),
        ],
    )
    return chapter, page


def _chapter(path, *checks, link=LINK, extra=()):
    cells = []
    for exercise_id, call in checks:
        cells += [("markdown", f"### Exercise {exercise_id}: x\n\n{link}"), ("code", call)]
    return _nb(path, cells + list(extra))


def test_a_converted_chapter_passes(book):
    chapter, page = book
    _chapter(chapter, ("97.1", 'dl.exercises.check("97.1", a)'),
             ("97.2", 'dl.exercises.check("97.2", b)'))  # fmt: skip
    assert ci.exercise_problems(chapter, [chapter, page]) == []
    assert ci.solutions_problems(page) == []


def test_old_style_chapters_are_left_alone(book):
    chapter, page = book
    _chapter(chapter, ("97.1", "dl.exercises.compare(a, 1.0)"))
    assert ci.exercise_problems(chapter, [chapter, page]) == []


@pytest.mark.parametrize(
    ("checks", "extra", "listed", "phrase"),
    [
        ([("97.1", 'dl.exercises.check("97.1", a)')], [], True, "never checks"),
        (
            [("97.1", 'dl.exercises.check("97.1", a)'), ("97.2", "dl.exercises.compare(b, 1)")],
            [],
            True,
            "convert the whole chapter",
        ),
        (
            [
                ("97.1", 'dl.exercises.check("97.1", a, strict=True)'),
                ("97.2", 'dl.exercises.check("97.2", b)'),
            ],  # fmt: skip
            [],
            True,
            "solutions page",
        ),
        (
            [("97.1", 'dl.exercises.check("97.1", a)'), ("97.2", 'dl.exercises.check("97.2", b)')],
            [("code", 'dl.exercises.check("97.3", c)')],
            True,
            "no bank entry for ['97.3']",
        ),
        (
            [("97.1", 'dl.exercises.check("97.1", a)'), ("97.2", 'dl.exercises.check("97.2", b)')],
            [],
            False,
            "not in _toc.yml",
        ),
    ],
)
def test_what_breaks_a_converted_chapter(book, checks, extra, listed, phrase):
    chapter, page = book
    _chapter(chapter, *checks, extra=extra)
    found = ci.exercise_problems(chapter, [chapter, page] if listed else [chapter])
    assert any(phrase in p for p in found), found


def test_each_exercise_links_to_its_solutions(book):
    chapter, page = book
    _chapter(chapter, ("97.1", 'dl.exercises.check("97.1", a)'),
             ("97.2", 'dl.exercises.check("97.2", b)'), link="")  # fmt: skip
    found = ci.exercise_problems(chapter, [chapter, page])
    assert sum("does not link" in p for p in found) == 2


def test_a_solutions_page_checks_strictly(book):
    chapter, page = book
    _chapter(chapter, ("97.1", 'dl.exercises.check("97.1", a)'),
             ("97.2", 'dl.exercises.check("97.2", b)'))  # fmt: skip
    _nb(page, [("markdown", "# Solutions to chapter 97: Test\n\n## Exercises"),
               ("code", 'dl.exercises.check("97.1", 1.0)')])  # fmt: skip
    found = ci.solutions_problems(page)
    assert any("without strict=True" in p for p in found)
    assert any("no exercises section" in p for p in found)
    assert any("link back" in p for p in found)
    assert any("checks ['97.1'] with strict=True" in p or "checks []" in p
               for p in ci.exercise_problems(chapter, [chapter, page]))  # fmt: skip


# ---- cell ids ----
URL = "https://github.com/derivlab/derivatives-in-ml"
COLAB = f'if "google.colab" in sys.modules:\n    pip_install("derivlab @ git+{URL}")'


def _page(tmp_path, ids, minor=5):
    """A page with a Colab cell and a markdown cell, with the given cell ids (None: no id)."""
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "source": [COLAB],
         "execution_count": None, "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
    ]  # fmt: skip
    for cell, cell_id in zip(cells, ids):
        if cell_id is not None:
            cell["id"] = cell_id
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
          "nbformat_minor": minor}  # fmt: skip
    path = tmp_path / "page.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_a_page_whose_cells_have_ids_passes(tmp_path):
    assert ci.problems(_page(tmp_path, ["colab", "title-1"]), URL) == []


@pytest.mark.parametrize(
    ("ids", "minor", "phrase"),
    [
        (["colab", None], 5, 'cell 1 has no "id"'),
        ([None, None], 5, 'cell 0 has no "id"'),
        (["colab", "colab"], 5, "cells 0 and 1 share the id 'colab'"),
        (["colab", "a title"], 5, "cell 1 has the id 'a title'"),
        (["colab", "x" * 65], 5, "an id is 1 to 64"),
        (["colab", "title"], 4, "nbformat_minor to 5"),
    ],
)
def test_what_breaks_the_cell_ids(tmp_path, ids, minor, phrase):
    found = ci.problems(_page(tmp_path, ids, minor), URL)
    assert any(phrase in p for p in found), found


def test_every_page_of_the_book_has_its_ids():
    for path in ci.notebooks():
        assert ci._id_problems(json.loads(path.read_text())) == [], path
