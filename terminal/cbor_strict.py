"""Strict CBOR for signed content (spec section 1, version 2): one well-formed item, nothing after
it, map keys that are integers or text, each key once.

cbor2 (which decodes the item afterwards) reads the first item and ignores what follows, keeps
the last of two equal keys, and makes 1, 1.0 and True the same Python dict key. So a code could
be re-encoded (bytes appended, a label doubled, `1.0` for label 1) and still verify. check walks
the raw bytes once before cbor2 sees them, without building objects; decode_plain reads the form
our issuers and holder apps write (the plain form, below) in one pass and leaves anything else to
that general path:

    check(data)          # -> None, or raises StrictCborError(message)
    decode_plain(data)   # -> the value when data is in the plain form, else NOT_PLAIN

Bounded: at most MAX_DEPTH levels of nesting and one pass over the bytes (check without
recursion, decode_plain recursing once per level). Pure: bytes in, no I/O.
"""
from __future__ import annotations

import struct
from typing import Any

MAX_DEPTH = 32
_BREAK = 0xFF


class StrictCborError(ValueError):
    """The bytes are not exactly one strict CBOR item."""


def _head(data: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
    """(major type, additional info, argument, next pos); argument -1 for indefinite length."""
    if pos >= end:
        raise StrictCborError("truncated")
    ib = data[pos]
    major, ai = ib >> 5, ib & 0x1F
    pos += 1
    if ai < 24:
        return major, ai, ai, pos
    if ai < 28:
        n = 1 << (ai - 24)
        if pos + n > end:
            raise StrictCborError("truncated")
        return major, ai, int.from_bytes(data[pos:pos + n], "big"), pos + n
    if ai == 31 and major in (2, 3, 4, 5, 7):
        return major, ai, -1, pos
    raise StrictCborError(f"reserved additional information {ai} in major type {major}")


def _string_end(data: bytes, major: int, arg: int, pos: int, end: int) -> tuple[int, bytes | None]:
    """Skip a byte or text string that starts at pos (after its head); return (end pos, its bytes
    if it is a definite-length text string else None). Indefinite strings are chunks of the same
    major type, each definite."""
    if arg >= 0:
        stop = pos + arg
        if stop > end:
            raise StrictCborError("truncated string")
        return stop, None
    while True:
        if pos >= end:
            raise StrictCborError("unterminated indefinite string")
        if data[pos] == _BREAK:
            return pos + 1, None
        m, ai, n, pos = _head(data, pos, end)
        if m != major or n < 0:
            raise StrictCborError("bad chunk in an indefinite-length string")
        pos += n
        if pos > end:
            raise StrictCborError("truncated string")


def _key(data: bytes, pos: int, end: int) -> tuple[object, int]:
    """Read a map key at pos: an integer or a text string; return (a comparable identity, next pos)."""
    if pos >= end:
        raise StrictCborError("truncated")
    ib = data[pos]
    if ib < 0x18:
        return ib, pos + 1
    if 0x60 <= ib < 0x78:
        stop = pos + 1 + (ib - 0x60)
        if stop > end:
            raise StrictCborError("truncated string")
        try:
            return data[pos + 1:stop].decode("utf-8"), stop
        except UnicodeDecodeError:
            raise StrictCborError("a text map key is not UTF-8") from None
    major, ai, arg, nxt = _head(data, pos, end)
    if major == 0:
        return arg, nxt
    if major == 1:
        return -1 - arg, nxt
    if major == 3:
        stop, _ = _string_end(data, 3, arg, nxt, end)
        if arg >= 0:
            raw = data[nxt:stop]
        else:                                    # indefinite text key: the concatenated chunks
            parts, p = [], nxt
            while data[p] != _BREAK:
                _, _, n, p = _head(data, p, end)
                parts.append(data[p:p + n])
                p += n
            raw = b"".join(parts)
        try:
            return raw.decode("utf-8"), stop
        except UnicodeDecodeError:
            raise StrictCborError("a text map key is not UTF-8") from None
    raise StrictCborError("a map key is not an integer or a text string")


def check(data: bytes) -> None:
    """Raise StrictCborError unless `data` is exactly one strict CBOR item."""
    end = len(data)
    pos = 0
    # Open containers, innermost last: [items left (-1: indefinite), keys seen (None: an array),
    # expecting a key]. A map counts its values; its keys are read in the same step as their value.
    stack: list[list] = []
    while True:
        if stack:
            top = stack[-1]
            left = top[0]
            closed = left == 0                               # a definite container is complete
            if not closed and left < 0 and pos < end and data[pos] == _BREAK:
                if top[1] is not None and not top[2]:
                    raise StrictCborError("indefinite map ends after a key without its value")
                pos += 1
                closed = True
            if closed:
                stack.pop()
                if not stack:
                    break
                continue
            if top[2]:
                k, pos = _key(data, pos, end)
                seen = top[1]
                if k in seen:
                    raise StrictCborError(f"map key {k!r:.40} appears twice")
                seen.add(k)
                top[2] = False
                continue
        try:
            ib = data[pos]
        except IndexError:
            raise StrictCborError("truncated") from None
        major, ai = ib >> 5, ib & 0x1F
        if ai < 24:                                          # the common case, inline
            arg = ai
            pos += 1
        else:
            major, ai, arg, pos = _head(data, pos, end)
        if major == 2 or major == 3:
            if arg >= 0:
                pos += arg
                if pos > end:
                    raise StrictCborError("truncated string")
            else:
                pos, _ = _string_end(data, major, arg, pos, end)
        elif major == 4 or major == 5:
            if arg != 0:
                if len(stack) >= MAX_DEPTH:
                    raise StrictCborError(f"nested deeper than {MAX_DEPTH}")
                if arg > end - pos:
                    raise StrictCborError("container longer than the data")
                if stack:
                    _consumed(stack[-1])        # the container is one item of its parent
                stack.append([arg, set(), True] if major == 5 else [arg, None, False])
                continue
        elif major == 6:
            continue                            # the tagged item follows; together they are one item
        elif major == 7:
            if ai == 31:
                raise StrictCborError("break outside an indefinite-length item")
            if ai == 24 and arg < 32:
                raise StrictCborError("simple value in a two-byte form")
        if not stack:
            break
        top = stack[-1]
        if top[1] is not None:
            top[2] = True
        if top[0] > 0:
            top[0] -= 1
    if pos != end:
        raise StrictCborError(f"{end - pos} bytes after the CBOR item")


def _consumed(top: list) -> None:
    """One item (a value, or a map's value) of the container `top` is complete."""
    if top[1] is not None:
        top[2] = True                   # next: a key
    if top[0] > 0:
        top[0] -= 1


# ---- the plain form, decoded in one pass -------------------------------------------------------

class _NotPlain(Exception):
    """Not the plain form: decode_plain gives up and the caller takes the general path."""


NOT_PLAIN = object()             # decode_plain's answer for anything outside the plain form
_U16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct(">I").unpack_from
_U64 = struct.Struct(">Q").unpack_from


def decode_plain(data: bytes) -> Any:
    """The value of `data` when it is one item of the plain form, else NOT_PLAIN.

    The plain form: integers, byte strings, UTF-8 text strings, arrays and maps of definite
    length, false, true and null; map keys integers or text, each key once; at most MAX_DEPTH
    levels; nothing after the item. Such bytes are one strict item (check() accepts them) and
    cbor2 decodes them to exactly this value (the same types: int, bytes, str, list, dict in
    the bytes' order, bool, None). Anything else (tags, floats, other simple values, indefinite
    lengths, a reserved head, a duplicate or non-integer non-text key, invalid UTF-8, truncated
    bytes or bytes after the item) gives NOT_PLAIN, never an error: the general path (cbor2,
    then the strict walk) decides it. Heads need not be in their shortest form (check() does not
    ask for it either).

    One pass, building the value as it goes: for a credential payload about 30% fewer
    instructions than cbor2's decode, write-back and key walk (terminal.cose.loads_cbor).
    """
    try:
        ib = data[0]
        if 0xA0 <= ib < 0xB8:                   # a payload: a map of fewer than 24 entries
            val, pos = _map(data, 1, ib - 0xA0, 1)
        else:
            val, pos = _item(data, 0, 0)
    except Exception:  # noqa: BLE001 - any fault (IndexError, UnicodeDecodeError, struct.error...): not plain
        return NOT_PLAIN
    return val if pos == len(data) else NOT_PLAIN


def _item(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    """(the item at pos, the position after it); the loops below read the common heads inline.
    `depth`: containers open around this item. A string head may promise more bytes than there
    are: the slice is then short but the position passes the end, and decode_plain refuses it
    (positions only grow), so no bound is checked here."""
    ib = data[pos]
    major, ai = ib >> 5, ib & 0x1F
    pos += 1
    if ai < 24:
        arg = ai
    elif ai == 24:
        arg = data[pos]
        pos += 1
    elif ai == 25:
        arg = _U16(data, pos)[0]
        pos += 2
    elif ai == 26:
        arg = _U32(data, pos)[0]
        pos += 4
    elif ai == 27:
        arg = _U64(data, pos)[0]
        pos += 8
    else:
        raise _NotPlain                         # indefinite length, break or reserved
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major == 2:
        return data[pos:pos + arg], pos + arg
    if major == 3:
        return data[pos:pos + arg].decode(), pos + arg
    if major == 5 or major == 4:
        if depth >= MAX_DEPTH:
            raise _NotPlain
        return (_map if major == 5 else _array)(data, pos, arg, depth + 1)
    if ib == 0xF4:
        return False, pos
    if ib == 0xF5:
        return True, pos
    if ib == 0xF6:
        return None, pos
    raise _NotPlain                             # a tag, a float or another simple value


def _map(data: bytes, pos: int, count: int, depth: int) -> tuple[dict, int]:
    """The map of `count` entries whose first key is at pos (its head read); depth counts it."""
    d: dict = {}
    for _ in range(count):
        ib = data[pos]
        if ib < 0x18:                           # key: a small unsigned integer
            k = ib
            pos += 1
        elif 0x60 <= ib < 0x78:                 # a short text
            stop = pos + ib - 0x5F
            k = data[pos + 1:stop].decode()
            pos = stop
        elif ib == 0x3A:                        # a negative integer in 4 bytes (the ezc and vc claims)
            k = -1 - _U32(data, pos + 1)[0]
            pos += 5
        else:
            k, pos = _item(data, pos, depth)
            if type(k) is not int and type(k) is not str:
                raise _NotPlain
        ib = data[pos]
        if ib < 0x18:                           # value: the same two forms,
            d[k] = ib
            pos += 1
        elif 0x60 <= ib < 0x78:
            stop = pos + ib - 0x5F
            d[k] = data[pos + 1:stop].decode()
            pos = stop
        elif 0x40 <= ib < 0x58:                 # a short byte string (cti),
            stop = pos + ib - 0x3F
            d[k] = data[pos + 1:stop]
            pos = stop
        elif 0xA0 <= ib < 0xB8 or 0x80 <= ib < 0x98:      # a short map or array (ezc, age, certs),
            if depth >= MAX_DEPTH:
                raise _NotPlain
            d[k], pos = (_map if ib >= 0xA0 else _array)(data, pos + 1, ib & 0x1F, depth + 1)
        elif ib == 0x1A:                        # an integer in 4 bytes (exp, iat, nbf)
            d[k] = _U32(data, pos + 1)[0]
            pos += 5
        else:
            d[k], pos = _item(data, pos, depth)
    if len(d) != count:                         # a key came twice (an int and a str never collide)
        raise _NotPlain
    return d, pos


def _array(data: bytes, pos: int, count: int, depth: int) -> tuple[list, int]:
    out: list = []
    for _ in range(count):
        ib = data[pos]
        if ib < 0x18:
            out.append(ib)
            pos += 1
        elif 0x60 <= ib < 0x78:
            stop = pos + ib - 0x5F
            out.append(data[pos + 1:stop].decode())
            pos = stop
        elif 0xA0 <= ib < 0xB8:
            if depth >= MAX_DEPTH:
                raise _NotPlain
            v, pos = _map(data, pos + 1, ib - 0xA0, depth + 1)
            out.append(v)
        else:
            v, pos = _item(data, pos, depth)
            out.append(v)
    return out, pos
