"""Text codec for QR codes: `PREFIX ":" base45( zlib( COSE_Sign1 ) )` (spec section 1).

Pure functions over str/bytes. Each decoding stage raises `CodecError(reason)` with the
spec reason code of the stage that failed; nothing else escapes for any input.

    >>> prefix, body = split_prefix("EZ1:6BF...")
    >>> cose_bytes = inflate_bounded(b45decode(body))

base45 decoding works on all triplets at once with big-integer arithmetic (see b45decode):
the `base45` package (kept for encoding and as the reference in tests) costs ~53 µs for a
470-character code, more than the ES256 check it precedes; this decoder ~4 µs (3.4 µs for a
356-character EZ1; an earlier form that spread the values into 24-bit lanes and multiplied,
4.8 µs). A numpy version cost ~7 µs alone but ~38 µs inside the pipeline: numpy's large code path is
evicted by every signature check and reloaded on the next scan (bench/bench_core.py).
"""
from __future__ import annotations

import zlib

import base45 as _base45

from vocab import reasons
from vocab.spec import PREFIXES

MAX_COSE_BYTES = 16 * 1024           # spec: decoded COSE body at most 16 KiB
MAX_CODE_CHARS = 64 * 1024           # a QR symbol holds at most 4296 alphanumerics; scanners may concatenate

B45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# bytes.translate table: each alphabet character to its value 0-44, every other byte to 255.
_LUT = bytes(B45_ALPHABET.index(chr(b)) if chr(b) in B45_ALPHABET else 255 for b in range(256))
# b45decode's lane masks (the low byte of each 24-bit lane) by number of triplets, kept for the
# lengths a QR symbol can hold (4296 characters) and at most 256 of them.
_MASKS: dict[int, int] = {}


def _lane_mask(k: int) -> int:
    m = _MASKS.get(k)
    if m is None:
        m = int.from_bytes(b"\xff\x00\x00" * k, "little")
        if k <= 1432:
            if len(_MASKS) >= 256:
                _MASKS.clear()
            _MASKS[k] = m
    return m


class CodecError(Exception):
    """A code failed a decoding stage; `reason` is the spec reason code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def split_prefix(text: str) -> tuple[str, str]:
    """Return (prefix, body) for a known prefix, else raise unknown_format.

    Scanners often append CR/LF; surrounding whitespace other than base45's own space is
    stripped. The prefix is matched exactly (upper case), as the spec's alphanumeric QR
    mode cannot carry lower case.
    """
    if not isinstance(text, str):
        raise CodecError(reasons.UNKNOWN_FORMAT, "not text")
    text = text.strip("\r\n\t\x00")
    head, sep, body = text.partition(":")
    if not sep or head not in PREFIXES:
        raise CodecError(reasons.UNKNOWN_FORMAT, "no known prefix")
    if len(body) > MAX_CODE_CHARS:
        raise CodecError(reasons.TOO_LARGE, f"{len(body)} characters")
    return head, body


def b45decode(body: str) -> bytes:
    """Strict RFC 9285 base45 decoding; raises bad_encoding."""
    try:
        raw = body.encode("ascii")
    except UnicodeEncodeError:
        raise CodecError(reasons.BAD_ENCODING, "base45: non-ASCII character") from None
    n = len(raw)
    if n % 3 == 1:
        raise CodecError(reasons.BAD_ENCODING, "base45: bad length")
    if n == 0:
        raise CodecError(reasons.BAD_ENCODING, "base45: empty")
    values = raw.translate(_LUT)             # each character's value 0-44, else 255
    if b"\xff" in values:
        raise CodecError(reasons.BAD_ENCODING, "base45: character outside the alphabet")
    full = n - n % 3
    out = b""
    if full:
        # All triplets at once with big-integer arithmetic: X holds the values as bytes, so
        # triplet i (a, b, c) is 24-bit lane i of X (little-endian). Masking bytes 3i, 3i+1,
        # 3i+2 out of X, X >> 8 and X >> 16 gives a, b and c in lane i, and
        # a + 45*b + 2025*c <= 44*(1+45+2025) = 91124 < 2^24, so no lane carries into the next.
        # A triplet's value is out of range when its lane's top byte is set; the lane's low two
        # bytes are the output, high byte first.
        k = full // 3
        x = int.from_bytes(values if full == n else values[:full], "little")
        m = _lane_mask(k)
        p = ((x & m) + 45 * ((x >> 8) & m) + 2025 * ((x >> 16) & m)).to_bytes(full, "little")
        if p[2::3].count(0) != k:
            raise CodecError(reasons.BAD_ENCODING, "base45: triplet out of range")
        res = bytearray(2 * k)
        res[0::2] = p[1::3]
        res[1::2] = p[0::3]
        out = bytes(res)
    if n != full:
        last = values[full] + 45 * values[full + 1]
        if last > 0xFF:
            raise CodecError(reasons.BAD_ENCODING, "base45: final pair out of range")
        out += bytes((last,))
    return out


def b45encode(data: bytes) -> str:
    return _base45.b45encode(data).decode("ascii")


def inflate_bounded(data: bytes, limit: int = MAX_COSE_BYTES) -> bytes:
    """zlib-inflate at most `limit` bytes; an uncompressed COSE body passes through.

    Raises too_large when the body (compressed or not) would exceed `limit`, and
    bad_encoding for a broken or truncated stream or trailing garbage.
    """
    if not data:
        raise CodecError(reasons.BAD_ENCODING, "empty body")
    first = data[0]
    if first in (0xD2, 0x84) or data[:2] == b"\xd8\x3d":
        # tagged or untagged COSE_Sign1, or one in a CWT tag 61 (HC1), not compressed; no zlib
        # stream starts with these bytes (0xD8 would be CINFO 13, which RFC 1950 forbids)
        if len(data) > limit:
            raise CodecError(reasons.TOO_LARGE, f"uncompressed body of {len(data)} bytes")
        return data
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit)
        if d.unconsumed_tail:
            raise CodecError(reasons.TOO_LARGE, f"inflates past {limit} bytes")
        if not d.eof:
            # max_length reached exactly at the limit with more to come, or a truncated stream
            more = d.decompress(b"", 1) if not d.unconsumed_tail else b""
            if more:
                raise CodecError(reasons.TOO_LARGE, f"inflates past {limit} bytes")
            raise CodecError(reasons.BAD_ENCODING, "zlib: truncated stream")
    except zlib.error as exc:
        raise CodecError(reasons.BAD_ENCODING, f"zlib: {exc}") from None
    if d.unused_data:
        raise CodecError(reasons.BAD_ENCODING, "zlib: trailing data")
    return out


def decode_text(text: str) -> tuple[str, bytes]:
    """Stages 1-2 up to the COSE bytes: (prefix, cose_bytes)."""
    prefix, body = split_prefix(text)
    return prefix, inflate_bounded(b45decode(body))


def encode_text(prefix: str, cose_bytes: bytes, compress: bool = True) -> str:
    """The inverse of decode_text, for the issuer and tests."""
    body = zlib.compress(cose_bytes, 9) if compress else cose_bytes
    return f"{prefix}:{b45encode(body)}"
