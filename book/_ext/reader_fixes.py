"""Things a website reader would trip over, fixed at build time.

1. derivlab's docstrings state formulas in plain text or LaTeX, the way
   ``help()`` shows them best: ``e^{-|x|}``, ``$x \\leftarrow x - \\eta g$``.
   reStructuredText has no ``$...$`` math (it shows the TeX, and eats its
   backslashes) and reads ``|x|`` as a substitution reference, which stops
   the strict build. :func:`docstring_math` turns ``$...$`` into the
   ``:math:`` role and escapes the remaining bars before autodoc parses a
   docstring. Inline literals, roles, doctests and literal blocks are left
   alone.
2. Sphinx 7.4 writes an inline script twice when an extension adds it after
   the builder started (sphinx-thebe's and sphinx-togglebutton's settings):
   ``prepare_writing`` re-adds the registry's ``None``-named scripts as
   ``''``, which no longer compare equal. Every page then logs "Identifier
   'THEBE_JS_URL' has already been declared". :func:`drop_repeated_scripts`
   keeps the first of each.
3. myst-nb's execution-status table marks a notebook with a bare ✅ or ❌,
   which a screen reader, a font without emoji, or LaTeX may not show.
   :func:`status_words` adds the word ("✅ passed"; in the PDF, "passed").
"""

from __future__ import annotations

import re
from typing import Any

# ---- 1. formulas in docstrings ----
# $tex$: TeX between dollars, no space just inside them, not part of a word
_DOLLAR_MATH = re.compile(
    r"(?<![\w$\\])\$(?=\S)([^$]+?)(?<=[^\s\\])\$(?![\w$])"
)
# |text|, which reStructuredText takes for a substitution: a bar not after a
# word character, text that neither starts nor ends with a space, a closing
# bar not before a word character
_SUBSTITUTION = re.compile(
    r"(?<![\w\\|])\|(?=[^\s|])([^|`]*?[^\s|\\])\|(?![\w|])"
)
# inline literals and interpreted text (roles): their content is not markup
_LITERAL = re.compile(r"(``.+?``|(?::[\w:.-]+:)?`[^`]+`_{0,2})", re.S)


def _outside_literals(text: str, change: Any) -> str:
    """``text`` with ``change`` applied to the parts outside literals."""
    parts = _LITERAL.split(text)
    # split() with a group alternates: plain text, literal, plain text, ...
    for i in range(0, len(parts), 2):
        parts[i] = change(parts[i])
    return "".join(parts)


def _fix(text: str) -> str:
    """A paragraph with $tex$ as :math:`tex` and other |x| escaped."""
    text = _outside_literals(
        text, lambda s: _DOLLAR_MATH.sub(r":math:`\1`", s)
    )
    return _outside_literals(text, lambda s: _SUBSTITUTION.sub(r"\\|\1\\|", s))


def _paragraphs(lines: list[str]) -> list[tuple[int, int, bool]]:
    """(start, stop, is_prose) for each blank-line separated block."""
    blocks = []
    start = None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            blocks.append([start, i])
            start = None
    marked = []
    literal_indent = None  # indentation of the paragraph that ended in "::"
    for start, stop in blocks:
        first = lines[start]
        indent = len(first) - len(first.lstrip())
        if literal_indent is not None and indent > literal_indent:
            marked.append((start, stop, False))  # a literal block
            continue
        literal_indent = None
        doctest = first.lstrip().startswith(">>>")
        marked.append((start, stop, not doctest))
        if not doctest and lines[stop - 1].rstrip().endswith("::"):
            literal_indent = indent
    return marked


def docstring_math(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """autodoc-process-docstring: fix formulas in place, prose only."""
    for start, stop, is_prose in _paragraphs(lines):
        if is_prose:
            fixed = _fix("\n".join(lines[start:stop])).split("\n")
            lines[start:stop] = fixed  # as many lines as before


# ---- 2. each script once per page ----
def drop_repeated_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """html-page-context: remove repeats from the page's script list."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for js in scripts:
        name = getattr(js, "filename", js) or ""
        attributes = getattr(js, "attributes", {})
        key = (name, tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique  # the builder restores its own list after each page


# ---- 3. the status table's marks, in words ----
_MARKS = {"✅": "passed", "❌": "failed"}


def status_words(app: Any, doctree: Any, docname: str) -> None:
    """doctree-resolved: each ✅/❌ in a table gets its word."""
    from docutils import nodes

    html = app.builder.format == "html"
    for entry in list(doctree.findall(nodes.entry)):
        for text in list(entry.findall(nodes.Text)):
            mark = str(text).strip()
            if mark in _MARKS:
                word = f"{mark} {_MARKS[mark]}" if html else _MARKS[mark]
                text.parent.replace(text, nodes.Text(word))


def setup(app: Any) -> dict[str, Any]:
    app.connect("doctree-resolved", status_words)
    app.connect("autodoc-process-docstring", docstring_math)
    # after sphinx.ext.mathjax (priority 500) has added this page's scripts
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
