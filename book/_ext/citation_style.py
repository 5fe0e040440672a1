"""Citations as (Author, Year) and (A, 2001; B, 2003): the usual look.

sphinxcontrib-bibtex's ``author_year`` style puts citations in square
brackets and joins several with a comma. This registers
``author_year_round``, the same style with round brackets and semicolons,
for ``bibtex_reference_style`` in _config.yml.

The bibliography itself would still be numbered ("[2]"), pybtex's
``plain`` style. This also registers ``plain_author_year``, ``plain`` with
labels that read like the citations that link to them ("Baydin et al.,
2018"; "a", "b" after the year when two would be the same), for
``bibtex_default_style``.
"""

from dataclasses import dataclass, field

import pybtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import (
    AuthorYearReferenceStyle,
)


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")", sep="; ")


@dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = field(default_factory=_round)
    bracket_textual: BracketStyle = field(default_factory=_round)
    bracket_author: BracketStyle = field(default_factory=_round)
    bracket_label: BracketStyle = field(default_factory=_round)
    bracket_year: BracketStyle = field(default_factory=_round)


def _surname(person) -> str:
    name = " ".join(person.prelast_names + person.last_names)
    return Text.from_latex(name).render_as("text")


def _label(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if not names:
        fields = entry.fields
        who = fields.get("organization") or fields.get("title", "Anon.")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "A, 2001", "A and B, 2001", "A et al., 2001"; "2001a" too."""

    def format_labels(self, sorted_entries):
        labels = [_label(entry) for entry in sorted_entries]
        seen: dict[str, int] = {}
        for label in labels:
            seen[label] = seen.get(label, 0) + 1
        count: dict[str, int] = {}
        for label in labels:
            if seen[label] == 1:
                yield label
            else:
                count[label] = count.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[count[label] - 1]


class PlainAuthorYearStyle(PlainStyle):
    default_label_style = "author_year"


def setup(app):
    pybtex.plugin.register_plugin(
        "pybtex.style.labels", "author_year", AuthorYearLabelStyle, force=True
    )
    pybtex.plugin.register_plugin(
        "pybtex.style.formatting",
        "plain_author_year",
        PlainAuthorYearStyle,
        force=True,
    )
    register_plugin(
        "sphinxcontrib.bibtex.style.referencing",
        "author_year_round",
        RoundAuthorYearReferenceStyle,
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
