"""Code blocks with fewer elements: plain names and punctuation are written as plain text.

Pygments wraps every token of a code block in a ``<span class="...">`` that gives it its colour. In
the colour styles of this site (pydata-sphinx-theme's accessible light and dark styles), plain names
(``x``, ``np``, ``loss``) and punctuation (``(``, ``,``, ``.``) have the code block's own text
colour, so their spans change nothing a reader sees, yet they are a fifth of a chapter's elements
(3 700 of chapter 6's 17 500). Every element costs when a page is laid out, restyled after a widget
redraws, and checked by axe-core (~20 % faster here without them).

The filter below turns exactly ``Name`` and ``Punctuation`` tokens into plain ``Text``; ``Name.Builtin``,
``Name.Function`` and the other kinds keep their spans and colours. The plain text takes the code
block's colour (``.highlight pre`` in ``_static/custom.css``; the theme would give it the page's).
``tests/browser/test_site.py`` checks on every page, light and dark, that names, punctuation and
plain code text share one colour (it fails if a new style colours them) and that no such span is left.

>>> from pygments import highlight
>>> from pygments.formatters import HtmlFormatter
>>> from pygments.lexers import PythonLexer
>>> highlight("print(len(x))", filtered_lexer(PythonLexer)(), HtmlFormatter(nowrap=True))
'<span class="nb">print</span>(<span class="nb">len</span>(x))\\n'
"""

from __future__ import annotations

from pygments.filter import simplefilter
from pygments.lexers import PythonConsoleLexer, PythonLexer, get_lexer_by_name
from pygments.token import Name, Punctuation, Text

PLAIN = (Name, Punctuation)  # token kinds drawn in the text colour (exact kinds, not their subkinds)


@simplefilter
def plain_names_and_punctuation(self, lexer, stream, options):
    for kind, value in stream:
        yield (Text if kind in PLAIN else kind), value


def filtered_lexer(lexer_class, **defaults):
    """A lexer factory for Sphinx: ``lexer_class(**defaults, **options)`` with the filter added."""
    def make(**options):
        lexer = lexer_class(**{**defaults, **options})
        lexer.add_filter(plain_names_and_punctuation())
        return lexer
    return make


def setup(app):
    # the lexers of this site's code: notebook cells (ipython3), Markdown code blocks and doctests
    # (stripnl=False as in Sphinx's own defaults for python and pycon)
    app.add_lexer("python", filtered_lexer(PythonLexer, stripnl=False))
    app.add_lexer("pycon", filtered_lexer(PythonConsoleLexer, stripnl=False))
    app.add_lexer("ipython3", filtered_lexer(type(get_lexer_by_name("ipython3"))))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
