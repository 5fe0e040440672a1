"""Citations as (Author, Year) and (A, 2001; B, 2003): the usual look.

sphinxcontrib-bibtex's ``author_year`` style puts citations in square
brackets and joins several with a comma. This registers
``author_year_round``, the same style with round brackets and semicolons,
for ``bibtex_reference_style`` in _config.yml.
"""

from dataclasses import dataclass, field

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


def setup(app):
    register_plugin(
        "sphinxcontrib.bibtex.style.referencing",
        "author_year_round",
        RoundAuthorYearReferenceStyle,
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
