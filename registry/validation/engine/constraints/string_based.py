"""String-based constraint components: sh:minLength, sh:maxLength, sh:pattern, sh:languageIn, sh:uniqueLang.

https://www.w3.org/TR/shacl/#core-components-string
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import SH

from registry.validation.engine.constraints.component import Compile, Compiler, Component
from registry.validation.engine.shapes import Shape


def _length(parameter: rdflib.URIRef, component: rdflib.URIRef, test: Callable) -> Compile:
    """The compile function of a length bound: each value node's string length passes ``test``."""

    def compile_length(p: Compiler, node, s: Shape) -> None:
        if (bound := p.g.value(node, parameter)) is not None:
            limit = int(bound)
            s.value_checks.append((str(component), lambda store, n, limit=limit, test=test:
                                   not isinstance(n, ox.BlankNode) and test(len(n.value), limit)))
    return compile_length


def _pattern(p: Compiler, node, s: Shape) -> None:
    """Each value node's string matches the regular expression (with sh:flags).

    https://www.w3.org/TR/shacl/#PatternConstraintComponent
    """
    value = p.g.value
    if (pattern := value(node, SH.pattern)) is not None:
        flags = str(value(node, SH.flags) or "")
        regex = re.compile(str(pattern), (re.IGNORECASE if "i" in flags else 0)
                           | (re.DOTALL if "s" in flags else 0) | (re.MULTILINE if "m" in flags else 0)
                           | (re.VERBOSE if "x" in flags else 0))
        s.value_checks.append((str(SH.PatternConstraintComponent), lambda store, n, r=regex:
                               not isinstance(n, ox.BlankNode) and r.search(n.value) is not None))


def _language_in(p: Compiler, node, s: Shape) -> None:
    """Each value node is a literal whose language tag matches one of the list.

    https://www.w3.org/TR/shacl/#LanguageInConstraintComponent
    """
    g = p.g
    if (langs := g.value(node, SH.languageIn)) is not None:
        wanted = [str(x).lower() for x in Collection(g, langs)]
        s.value_checks.append((str(SH.LanguageInConstraintComponent), lambda store, n, w=wanted:
                               isinstance(n, ox.Literal) and bool(n.language)
                               and any(n.language.lower() == x or n.language.lower().startswith(x + "-")
                                       for x in w)))


def _unique_lang(p: Compiler, node, s: Shape) -> None:
    """No two value nodes have the same language tag.

    https://www.w3.org/TR/shacl/#UniqueLangConstraintComponent
    """
    if p.g.value(node, SH.uniqueLang) == rdflib.Literal(True):
        def unique(store, f, vals):
            langs = [x.language.lower() for x in vals if isinstance(x, ox.Literal) and x.language]
            return [None] * len({lang for lang in langs if langs.count(lang) > 1})
        s.set_checks.append((str(SH.UniqueLangConstraintComponent), unique))


# https://www.w3.org/TR/shacl/#MinLengthConstraintComponent, #MaxLengthConstraintComponent
MIN_LENGTH = Component((SH.minLength,), _length(SH.minLength, SH.MinLengthConstraintComponent,
                                                 lambda a, b: a >= b))
MAX_LENGTH = Component((SH.maxLength,), _length(SH.maxLength, SH.MaxLengthConstraintComponent,
                                                 lambda a, b: a <= b))
PATTERN = Component((SH.pattern, SH.flags), _pattern)
LANGUAGE_IN = Component((SH.languageIn,), _language_in)
UNIQUE_LANG = Component((SH.uniqueLang,), _unique_lang)
