"""Caches in moto that change no answer, only how long moto takes to give it (docs/testing.md).

moto's Step Functions interpreter parses a state machine's definition with ANTLR on
CreateStateMachine and again on every StartExecution: about a second of pure Python per parse on
this machine, for the same few definitions, hundreds of times a suite. The parse tree depends only
on the definition's text and the interpreter only reads it (its Preprocessor visits the tree and
builds new evaluation components each time, as before), so the tree is kept per definition. A
definition with a syntax error is not cached: it raises on every parse, as it did.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from moto.stepfunctions.parser.asl.parse import asl_parser as moto_asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

asl_parser: Any = moto_asl_parser  # moto's parser module, with the ANTLR names it imports

_lock = threading.Lock()
_applied: list[bool] = []


def apply() -> None:
    with _lock:
        if not _applied:
            asl_parser.AmazonStateLanguageParser.parse = staticmethod(_parse)
            _applied.append(True)


def fresh_tree(definition: str) -> Any:
    """moto's own parse (AmazonStateLanguageParser.parse) up to its tree, uncached."""
    listener = asl_parser.SyntaxErrorListener()
    tokens = asl_parser.CommonTokenStream(asl_parser.ASLLexer(asl_parser.InputStream(definition)))
    parser = asl_parser.ASLParser(tokens)
    parser.removeErrorListeners()
    parser.addErrorListener(listener)
    tree = parser.state_machine()
    if listener.errors:
        raise asl_parser.ASLParserException(errors=listener.errors)
    return tree


_tree = lru_cache(maxsize=64)(fresh_tree)


def _parse(definition: str) -> tuple[Any, Any]:
    tree = _tree(definition)
    return Preprocessor().visit(tree), tree
