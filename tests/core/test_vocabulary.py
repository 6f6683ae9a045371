"""Each fact of the spec's vocabulary is defined once, in `vocab/`, and imported everywhere else.

The scan walks the AST of every project module: no module outside vocab/ may bind (assign at
module level, def or class) a name that vocab defines, nor spell out a vocabulary value (a
reason or warning code, the mode or prefix tuple) as a module-level constant of its own.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import vocab.events
import vocab.reasons
import vocab.spec

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("terminal", "scanner", "cache", "ui", "issuer", "gate", "bench")
VOCAB_MODULES = (vocab.spec, vocab.reasons, vocab.events)


def _public(mod) -> set[str]:
    return {n for n in vars(mod) if not n.startswith("_") and n not in {"annotations", "Any", "Mapping"}
            and getattr(vars(mod)[n], "__module__", mod.__name__) in (mod.__name__, None)
            and not isinstance(vars(mod)[n], type(vocab))}


VOCAB_NAMES = set().union(*(_public(m) for m in VOCAB_MODULES)) - {"hashlib", "re", "uuid", "rfc8785", "datetime",
                                                                  "timedelta", "timezone", "Enum"}
CODES = {getattr(vocab.reasons, n) for n in dir(vocab.reasons) if n.isupper() and isinstance(getattr(vocab.reasons, n), str)}
TUPLES = {vocab.spec.MODES, vocab.spec.PREFIXES, vocab.spec.CERT_TYPES, vocab.events.EVENT_KINDS}


def _files():
    for pkg in PACKAGES:
        yield from sorted((REPO / pkg).rglob("*.py"))


def bindings(source: str) -> list[tuple[str, ast.AST]]:
    """(name, value node or the def) for every module-level binding."""
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((node.name, node))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out.append((n.id, node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out.append((node.target.id, node.value))
    return out


def redefinitions(source: str) -> list[str]:
    found = []
    for name, value in bindings(source):
        if name in VOCAB_NAMES:
            found.append(f"{name} (vocab defines it)")
            continue
        try:
            literal = ast.literal_eval(value) if isinstance(value, ast.expr) else None
        except (ValueError, SyntaxError, TypeError):
            continue
        if isinstance(literal, str) and literal in CODES and "_" in literal:     # the distinctive codes
            found.append(f"{name} = {literal!r} (a vocab code)")
        elif isinstance(literal, tuple) and literal in TUPLES:
            found.append(f"{name} = {literal!r} (a vocab tuple)")
    return found


def test_the_scan_sees_a_redefinition():
    assert redefinitions('MODES = ("gate", "kiosk", "counter")\n') and redefinitions("def revocation_key(a, b): pass\n")
    assert redefinitions('X = "trust_stale"\n') and redefinitions('PREFIXES = ("EZ1", "EP1", "HC1")\n')
    assert redefinitions("CLAIM_EZC = -65537\n") and redefinitions("GENESIS = '0' * 64\n")
    assert not redefinitions("from vocab.spec import MODES\nFAULT_MODES = ('normal', 'cut')\n")


@pytest.mark.parametrize("path", list(_files()), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_outside_vocab_defines_vocabulary(path):
    assert not redefinitions(path.read_text(encoding="utf-8")), "import these from vocab instead"


def test_vocab_is_a_leaf():
    for mod in VOCAB_MODULES:
        tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in PACKAGES, f"{mod.__name__} imports {node.module}"
            if isinstance(node, ast.Import):
                for a in node.names:
                    assert a.name.split(".")[0] not in PACKAGES, f"{mod.__name__} imports {a.name}"


def test_every_reason_and_warning_has_words_for_people():
    from terminal.commands.words import REASON_WORDS, WARNING_WORDS
    assert set(REASON_WORDS) == vocab.reasons.ALL_REASONS
    assert set(WARNING_WORDS) == set(vocab.reasons.WARNINGS)
    for zh, en in (*REASON_WORDS.values(), *WARNING_WORDS.values()):
        assert zh and en and zh != en
