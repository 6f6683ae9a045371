"""Untrusted text made safe to print: QR contents, names from signed codes, file names.

A code is attacker-chosen, and so is a name inside a signed credential as far as a terminal
window is concerned: printed raw, ESC sequences clear the screen or retitle the window, C1
controls (U+009B is CSI on some terminals) do the same, bidirectional overrides reorder what
staff read, and a lone surrogate makes print() raise. Every CLI command prints untrusted text
through `safe()` (text lines) or `safe_json()` (JSON Lines): such characters become visible
escapes (`\\x1b`, `\\u202e`), everything else (Chinese included) is printed as it is.
"""
from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls, DEL, zero-width and bidi controls, line/paragraph separators, BOM,
# interlinear annotation marks, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]")


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(text: object, limit: int | None = 2000) -> str:
    """`text` as one printable line: unsafe characters escaped, cut at `limit` characters."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > limit:
        s = s[:limit] + f"…(+{len(s) - limit} chars)"
    return _UNSAFE.sub(_escape, s)


def _json_escape(m: re.Match) -> str:
    return f"\\u{ord(m.group()):04x}"


def safe_json(obj: Any) -> str:
    """json.dumps (UTF-8 kept readable) with every unsafe character as a JSON \\u escape: the same
    data for a JSON parser, nothing a terminal acts on."""
    return _UNSAFE.sub(_json_escape, json.dumps(obj, ensure_ascii=False))
