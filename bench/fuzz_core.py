"""Fuzz the whole verification pipeline: generated and mutated codes through terminal.verify.verify.

    .venv/bin/python -m bench.fuzz_core                    # 1,000,000 inputs, 2 workers (~5 min here)
    .venv/bin/python -m bench.fuzz_core --count 100000     # fewer
    .venv/bin/python -m bench.fuzz_core --quick            # 20,000
    .venv/bin/python -m bench.fuzz_core --replay SEED:CHUNK   # re-run one chunk in this process

Inputs come from a hand-rolled mutator (random.Random, seeded per chunk of 5,000, so every
finding can be replayed) over a pool of valid codes minted in a from-scratch world
(tests/core/world.py, SM2 codes included when the SM2 backend is there; HC1 from
tests/dcc/hc1kit.py with a DCC trust list):

  bitflip      1-8 bit flips in the COSE bytes, re-encoded (zlib or not)
  bytes_edit   byte insertions, deletions and replacements in the COSE bytes
  trunc_ext    COSE bytes cut short and/or extended with random bytes
  text_edit    character edits, truncation and extension of the QR text itself
  splice       two valid codes' COSE bytes or texts cut and joined
  rand_b45     random base45-alphabet text behind each prefix
  rand_bytes   random bytes, base45-encoded, behind each prefix
  rand_cbor    random CBOR written by hand: deep nesting, huge declared lengths, tags 0-300
               and big ones, indefinite lengths, non-minimal heads, bad UTF-8, floats,
               simple values, stray breaks; as the whole body or in COSE_Sign1's places
  signed_junk  claims/presentation maps with odd values, properly signed (these may be valid)
  zlib         bombs (up to 16 MiB inflated), trailing data, concatenated streams, preset
               dictionaries, raw deflate, truncated streams, stored blocks
  oddities     non-str input, lone surrogates, NULs, whitespace, lower-case prefixes, 70 kB text

A crash is: any exception out of verify(), a reason outside vocab.reasons.ALL_REASONS (or
internal_error), a verdict whose valid flag disagrees with its reason, or a valid verdict for
a code mutated from a valid one whose signed bytes (prefix, protected header, payload,
signature, read by an independent decoder: the base45 package, zlib, cbor2) are not those of
a code the world signed (the pool codes, and the EZ1 credentials inside the EP1 ones: a splice
can cut a genuine credential out of a presentation, and it is valid as a static code). A worker
process that dies is reported with the chunk that killed it. Each input runs under a 10 s
alarm: a hang is reported as a crash too.
"""
from __future__ import annotations

import argparse
import ast
import collections
import dataclasses
import json
import os
import random
import signal
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import base45  # noqa: E402
import cbor2  # noqa: E402

from terminal import codec, cose, sm2  # noqa: E402
from vocab import reasons as R  # noqa: E402
from terminal.verify import verify  # noqa: E402
from vocab.spec import CLAIM_EZC, CLAIM_VC  # noqa: E402
from tests.core.world import World, new_key, sign1, signed_parts  # noqa: E402

CHUNK = 5000
OUT = Path(__file__).resolve().parent / "out"
GENERATORS = ("bitflip", "bytes_edit", "trunc_ext", "text_edit", "splice", "rand_b45", "rand_bytes",
              "rand_cbor", "signed_junk", "zlib", "oddities", "strict")
WEIGHTS = (20, 12, 8, 12, 8, 6, 6, 14, 6, 4, 4, 6)
DERIVED = {"bitflip", "bytes_edit", "trunc_ext", "text_edit", "splice", "zlib"}
MAY_BE_VALID = {"signed_junk"}           # minted here with real keys: validity is legitimate
ALARM_SECONDS = 10
B45 = codec.B45_ALPHABET


class Hang(Exception):
    pass


# ---- the world each worker verifies against ------------------------------------------------------

class Target:
    """The snapshot, the pool of valid codes and what their signatures cover."""

    def __init__(self, seed: int):
        self.world = w = World(seed=seed, now=1_700_000_000, with_sm2=sm2.available())
        snap = w.snapshot()
        self.now = w.now
        pool: list[str] = [
            w.ez1("ES256", age=[18, 60, 65], certs=[{"t": "senior", "no": "SD-60-1", "exp": w.now + 999},
                                                     {"t": "disability", "no": "D-1"}]),
            w.ez1("EdDSA", age=[18]),
            w.ez1("ES256", tagged=False, kid_protected=False),
            w.ez1("EdDSA", compress=False),
            w.ez1("enterprise", typ="enterprise", certs=[{"t": "business_licence", "no": "91370100MA3C"}]),
            w.ep1("ES256", "EdDSA"),
            w.ep1("EdDSA", "ES256", age=[60]),
        ]
        if sm2.available():                   # SM2 (issue 13): an SM2 credential, SM2 holders under both issuers
            pool += [w.ez1("SM2", age=[18, 60]), w.ep1("SM2", "SM2"), w.ep1("ES256", "SM2")]
        self.holder = new_key("EdDSA", w.rng)
        try:                                  # HC1 with a DCC trust list, when the DCC kit is there
            from terminal import hc1
            from tests.dcc import hc1kit as K
            dsc_key = new_key("EdDSA", w.rng)  # Ed25519: the DSC and its codes are the same bytes every run
            der = K.make_dsc(dsc_key, eku=())
            for member, compress in (("v", True), ("t", False)):
                signed = sign1(cbor2.dumps(K.claims(member, iat=w.now - 3600, exp=w.now + 86400)), dsc_key,
                               kid=hc1.dsc_kid(der))
                pool.append(codec.encode_text("HC1", signed, compress=compress))
            snap = dataclasses.replace(snap, dcc=K.trust_of(der))
        except ImportError:
            pass
        self.snap = snap
        self.pool = pool
        self.cose = [codec.decode_text(c)[1] for c in pool]
        self.signed = [signed_parts(c)[:4] for c in pool]
        # The credential inside each EP1 is itself a genuine EZ1 credential: cut out of a
        # presentation (the fuzzer's splices do that) it is validly signed, so it counts too.
        for cb in self.cose:
            msg = cose.parse_sign1(cb)
            if msg.alg in (cose.EDDSA, cose.ES256, cose.SM2):
                p = cbor2.loads(msg.payload)
                if isinstance(p, dict) and CLAIM_VC in p:
                    vc = cose.parse_sign1(p[CLAIM_VC])
                    self.signed.append(("EZ1", vc.protected_bstr, vc.payload, vc.signature))
        for code in pool:
            v = verify(code, snap, self.now)
            if not v.valid:
                raise SystemExit(f"fuzz: pool code not valid: {v.reason} {v.detail}")


# ---- random CBOR, written by hand ---------------------------------------------------------------

def head(major: int, n: int, rng: random.Random | None = None) -> bytes:
    """A CBOR head; with rng, sometimes in a non-minimal form."""
    wide = rng is not None and rng.random() < 0.1
    if n < 24 and not wide:
        return bytes((major << 5 | n,))
    if n < 0x100 and not (wide and rng.random() < 0.5):
        return bytes((major << 5 | 24, n))
    if n < 0x10000 and not (wide and rng.random() < 0.5):
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000 and not (wide and rng.random() < 0.5):
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + (n % 2**64).to_bytes(8, "big")


def rand_uint(rng: random.Random) -> int:
    return rng.choice((0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63, 2**64 - 1,
                       rng.randrange(100), rng.randrange(2**16), rng.randrange(2**64)))


def rand_cbor(rng: random.Random, depth: int = 0, budget: list | None = None) -> bytes:
    budget = budget if budget is not None else [60]
    budget[0] -= 1
    k = rng.random()
    if depth > 6 or budget[0] <= 0 or k < 0.35:
        kind = rng.randrange(12)
        if kind == 0:
            return head(0, rand_uint(rng), rng)
        if kind == 1:
            return head(1, rand_uint(rng), rng)
        if kind == 2:
            b = rng.randbytes(rng.choice((0, 1, 8, 16, 32, rng.randrange(80))))
            return head(2, len(b), rng) + b
        if kind == 3:
            s = rng.choice(("", "SD-RC", "resident", "enterprise", "senior", "typ", "v", "张*三",
                            "x" * rng.randrange(40))).encode()
            return head(3, len(s), rng) + s
        if kind == 4:                      # invalid UTF-8 in a text string
            b = rng.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"a\x80b"))
            return head(3, len(b)) + b
        if kind == 5:                      # huge declared length, little data
            return bytes((rng.choice((0x5B, 0x7B, 0x9B, 0xBB, 0x5A, 0x9A, 0xBA)),)) + rng.randbytes(8)[:rng.choice((4, 8))] + rng.randbytes(rng.randrange(4))
        if kind == 6:                      # floats
            return rng.choice((b"\xf9" + rng.randbytes(2), b"\xfa" + rng.randbytes(4), b"\xfb" + rng.randbytes(8),
                               b"\xf9\x7c\x00", b"\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00"))
        if kind == 7:                      # simple values, including reserved / unassigned
            return rng.choice((b"\xf4", b"\xf5", b"\xf6", b"\xf7", b"\xf0", b"\xf8\x20", b"\xf8\xff", b"\xf8\x05",
                               b"\xfc", b"\xfd", b"\xfe"))
        if kind == 8:                      # a stray break
            return b"\xff"
        if kind == 9:                      # deep nesting
            d = rng.choice((10, 100, 1000, 5000, 15000))
            return rng.choice((b"\x81", b"\x9f", b"\xa1\x00", b"\xc1", b"\xd8\x18\x41")) * d + b"\x00"
        if kind == 10:                     # embedded CBOR (tag 24) holding something
            inner = rand_cbor(rng, depth + 1, budget)
            return b"\xd8\x18" + head(2, len(inner)) + inner
        return bytes((rng.randrange(256),))
    kind = rng.randrange(8)
    if kind == 0:                          # array
        n = rng.choice((0, 1, 2, 3, 4, 5, rng.randrange(20)))
        return head(4, n, rng) + b"".join(rand_cbor(rng, depth + 1, budget) for _ in range(n))
    if kind == 1:                          # map
        n = rng.choice((0, 1, 2, 4, rng.randrange(10)))
        return head(5, n, rng) + b"".join(rand_cbor(rng, depth + 1, budget) + rand_cbor(rng, depth + 1, budget)
                                           for _ in range(n))
    if kind == 2:                          # indefinite array / map / strings
        n = rng.randrange(5)
        which = rng.randrange(4)
        if which == 0:
            return b"\x9f" + b"".join(rand_cbor(rng, depth + 1, budget) for _ in range(n)) + b"\xff"
        if which == 1:
            return b"\xbf" + b"".join(rand_cbor(rng, depth + 1, budget) * 2 for _ in range(n)) + b"\xff"
        if which == 2:
            return b"\x5f" + b"".join(head(2, 3) + rng.randbytes(3) for _ in range(n)) + rng.choice((b"\xff", b""))
        return b"\x7f" + b"".join(head(3, 2) + b"ab" for _ in range(n)) + rng.choice((b"\xff", b"\x01\xff"))
    if kind in (3, 4):                     # tags 0-40, some known to cbor2's semantic decoders
        tag = rng.choice((0, 1, 2, 3, 4, 5, 18, 21, 22, 23, 24, 25, 28, 29, 30, 32, 33, 34, 35, 36, 37, 38,
                          40, 256, 258, 260, 261, 55799, rng.randrange(41), rng.randrange(2**64)))
        return head(6, tag) + rand_cbor(rng, depth + 1, budget)
    if kind == 5:                          # COSE_Sign1-shaped with random members
        body = (head(4, 4) + rand_cbor(rng, depth + 1, budget) + rand_cbor(rng, depth + 1, budget)
                + rand_cbor(rng, depth + 1, budget) + rand_cbor(rng, depth + 1, budget))
        return (b"\xd2" + body) if rng.random() < 0.7 else body
    if kind == 6:                          # value sharing: a shared reference to nothing / itself
        return rng.choice((b"\xd8\x1d\x00", b"\xd8\x1c\x81\xd8\x1d\x00", b"\xd8\x1c\xa1\x00\xd8\x1d\x00",
                           b"\xd9\x01\x00\x81\x00"))
    return rand_cbor(rng, depth + 1, budget)


# ---- the mutator --------------------------------------------------------------------------------

def encode(prefix: str, cose_bytes: bytes, rng: random.Random) -> str:
    return f"{prefix}:{base45.b45encode(zlib.compress(cose_bytes, rng.choice((1, 6, 9))) if rng.random() < 0.7 else cose_bytes).decode()}"


def flip_bits(data: bytes, rng: random.Random, n: int) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b) * 8)
        b[i // 8] ^= 1 << (i % 8)
    return bytes(b)


def prefix_of(rng: random.Random, original: str) -> str:
    return original[:3] if rng.random() < 0.95 else rng.choice(codec.PREFIXES)


class Mutator:
    def __init__(self, target: Target, rng: random.Random):
        self.t = target
        self.rng = rng
        self.bombs = None

    def pick(self):
        i = self.rng.randrange(len(self.t.pool))
        return i, self.t.pool[i], self.t.cose[i]

    def make(self, gen: str):
        """(input, index of the valid code it came from or None)."""
        return getattr(self, "g_" + gen)()

    def g_bitflip(self):
        i, text, cb = self.pick()
        return encode(prefix_of(self.rng, text), flip_bits(cb, self.rng, self.rng.choice((1, 1, 2, 3, 8))), self.rng), i

    def g_bytes_edit(self):
        rng = self.rng
        i, text, cb = self.pick()
        b = bytearray(cb)
        for _ in range(rng.choice((1, 1, 2, 4))):
            op, pos = rng.randrange(3), rng.randrange(len(b) + 1)
            if op == 0:
                b[pos:pos] = rng.randbytes(rng.choice((1, 1, 2, 8)))
            elif op == 1 and b:
                del b[pos:pos + rng.choice((1, 1, 2, 8))]
            elif b:
                b[min(pos, len(b) - 1)] = rng.randrange(256)
        return encode(prefix_of(rng, text), bytes(b), rng), i

    def g_trunc_ext(self):
        rng = self.rng
        i, text, cb = self.pick()
        cut = rng.randrange(len(cb) + 1) if rng.random() < 0.7 else len(cb)
        tail = rng.randbytes(rng.choice((0, 1, 3, 32, 300))) if rng.random() < 0.6 else b""
        if cut == len(cb) and not tail:
            tail = b"\x00"
        return encode(prefix_of(rng, text), cb[:cut] + tail, rng), i

    def g_text_edit(self):
        rng = self.rng
        i, text, _ = self.pick()
        s = text
        for _ in range(rng.choice((1, 1, 2, 3))):
            op, pos = rng.randrange(5), rng.randrange(len(s) + 1)
            ch = rng.choice(B45 + "a\n\r\t\x00é")
            if op == 0:
                s = s[:pos]
            elif op == 1:
                s = s + "".join(rng.choice(B45) for _ in range(rng.choice((1, 2, 3, 30))))
            elif op == 2:
                s = s[:pos] + ch + s[pos + 1:]
            elif op == 3:
                s = s[:pos] + ch + s[pos:]
            else:
                s = s[:pos] + s[pos + 1:]
        return s, i

    def g_splice(self):
        rng = self.rng
        i, text, cb = self.pick()
        j, text2, cb2 = self.pick()
        if rng.random() < 0.5:
            a, b = rng.randrange(len(cb) + 1), rng.randrange(len(cb2) + 1)
            return encode(prefix_of(rng, text), cb[:a] + cb2[b:], rng), i
        a, b = rng.randrange(len(text) + 1), rng.randrange(len(text2) + 1)
        return text[:a] + text2[b:], i

    def g_rand_b45(self):
        rng = self.rng
        n = rng.choice((0, 1, 2, 3, 10, 100, rng.randrange(1500)))
        return f"{rng.choice(codec.PREFIXES)}:" + "".join(rng.choice(B45) for _ in range(n)), None

    def g_rand_bytes(self):
        rng = self.rng
        b = rng.randbytes(rng.choice((0, 1, 2, 10, 100, rng.randrange(1200))))
        if rng.random() < 0.3 and b:
            b = rng.choice((b"\xd2", b"\x84", b"\x78\x9c")) + b
        return f"{rng.choice(codec.PREFIXES)}:{base45.b45encode(b).decode()}", None

    def g_rand_cbor(self):
        rng = self.rng
        body = rand_cbor(rng)
        where, origin = rng.randrange(4), None
        if where == 1:                     # as the payload of a COSE_Sign1 with a real protected header
            _, _, cb = self.pick()
            prot = cose.parse_sign1(cb).protected_bstr
            body = b"\xd2\x84" + head(2, len(prot)) + prot + b"\xa0" + head(2, len(body)) + body + b"\x58\x40" + bytes(64)
        elif where == 2:                   # as the protected header
            body = b"\xd2\x84" + head(2, len(body)) + body + b"\xa0\x41\x00\x40"
        elif where == 3:                   # as the unprotected header of a real code
            origin, text, cb = self.pick()     # signed bytes kept: may stay valid
            m = cose.parse_sign1(cb)
            body = (b"\xd2\x84" + head(2, len(m.protected_bstr)) + m.protected_bstr + body
                    + head(2, len(m.payload)) + m.payload + head(2, len(m.signature)) + m.signature)
            return encode(prefix_of(rng, text), body, rng), origin
        return encode(rng.choice(codec.PREFIXES), body, rng), None

    def g_signed_junk(self):
        """Claims (or a presentation) with odd values, signed with real keys: reaches every stage."""
        rng, w = self.rng, self.t.world
        odd = (None, True, -1, 0, 2**64 - 1, 2**70, 1.5, "", "x", b"", b"x" * 40, [], {}, [1, "a"], {"t": 1},
               cbor2.CBORTag(1, 0), cbor2.CBORTag(99, b""))
        p = w.claims(age=[18, 60], certs=[{"t": "senior", "no": "S-1"}])
        for _ in range(rng.choice((0, 1, 2, 3))):
            key = rng.choice((1, 2, 4, 5, 6, 7, 8, CLAIM_EZC, -1, 99))
            if key == CLAIM_EZC and rng.random() < 0.7 and isinstance(p[CLAIM_EZC], dict):
                ezc = dict(p[CLAIM_EZC])
                ezc[rng.choice(("v", "typ", "name", "idm", "age", "certs", "extra"))] = rng.choice(odd + (
                    [{"t": rng.choice(odd)}], [{"t": "senior", "no": "1", "exp": rng.choice(odd)}], [200, 0]))
                p[CLAIM_EZC] = ezc
            else:
                p[key] = rng.choice(odd)
        issuer = rng.choice(("ES256", "EdDSA", "revoked", "enterprise") + (("SM2",) if "SM2" in w.issuers else ()))
        i = w.issuers[issuer]
        try:
            cred = cose.sign1(cbor2.dumps(p), i["key"], kid=i["kid"])
        except Exception:  # noqa: BLE001 - cbor2 cannot encode some odd values; use a plain one
            cred = w.ez1_cose(issuer)
        if rng.random() < 0.5:
            return codec.encode_text("EZ1", cred), None
        pres = {6: rng.choice((w.now, w.now - 61, w.now + 31, -5, "x")), 7: rng.choice((rng.randbytes(16), b"", 5)),
                CLAIM_VC: rng.choice((cred, cred, cbor2.dumps(cred), b"\x00", 7))}
        if rng.random() < 0.3:
            pres[rng.choice((6, 7, CLAIM_VC, 1))] = rng.choice(odd)
        holder = rng.choice((self.holder_for(p), self.t.holder))
        try:
            out = cose.sign1(cbor2.dumps(pres), holder, alg=rng.choice((None, None, cose.ES256, cose.EDDSA, -35)))
        except Exception:  # noqa: BLE001
            out = cose.sign1(cbor2.dumps({6: w.now, 7: b"n" * 16, CLAIM_VC: cred}), self.t.holder)
        return codec.encode_text("EP1", out), None

    def holder_for(self, claims: dict):
        return self.t.holder

    def g_zlib(self):
        rng = self.rng
        i, text, cb = self.pick()
        kind = rng.randrange(8)
        if kind == 0:
            if self.bombs is None:
                self.bombs = [zlib.compress(b"\x00" * n, 9) for n in (16 * 1024 + 1, 17 * 1024, 1 << 20, 16 << 20)]
                self.bombs.append(zlib.compress(b"\xd2" + bytes(1 << 20), 9))
            return f"{text[:3]}:{base45.b45encode(rng.choice(self.bombs)).decode()}", None
        z = zlib.compress(cb, 9)
        if kind == 1:
            z = z + rng.randbytes(rng.choice((1, 4, 50)))           # trailing data
        elif kind == 2:
            z = z + zlib.compress(b"more")                           # two streams
        elif kind == 3:
            z = z[:rng.randrange(len(z))]                            # truncated
        elif kind == 4:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)              # raw deflate, no header
            z = c.compress(cb) + c.flush()
        elif kind == 5:
            c = zlib.compressobj(9, zlib.DEFLATED, 15, zdict=b"Signature1" * 4)   # preset dictionary
            z = c.compress(cb) + c.flush()
        elif kind == 6:
            z = z[:-4] + flip_bits(z[-4:], rng, 1)                   # bad Adler-32
        else:
            z = zlib.compress(cb, 0)                                 # stored blocks
        return f"{prefix_of(rng, text)}:{base45.b45encode(z).decode()}", i

    def g_strict(self):
        """Re-encodings that keep every signed byte but break strict CBOR (spec section 1 v2): an item
        after the COSE_Sign1, a doubled, float, bool or bytes label in the unprotected header, or a
        doubled claim signed with the real issuer key. None of them may ever be valid."""
        rng, w = self.rng, self.t.world
        _, text, cb = self.pick()
        m = cose.parse_sign1(cb)
        kind = rng.randrange(4)
        if kind == 0:
            return encode(prefix_of(rng, text), cb + rand_cbor(rng), rng), None
        if kind == 3:
            i = w.issuers[rng.choice(("ES256", "EdDSA"))]
            claims = w.claims()
            good = cbor2.dumps(claims)
            extra = rng.choice((1, 2, 4, 6, 7, CLAIM_EZC))
            doubled = bytes((good[0] + 1,)) + good[1:] + cbor2.dumps(extra) + cbor2.dumps(claims[extra])
            return codec.encode_text("EZ1", sign1(doubled, i["key"], kid=i["kid"])), None
        label = rng.choice((b"\x04", b"\x01", b"\x21", b"\x18\x04"))
        bad_label = rng.choice((b"\xf9\x3c\x00", b"\xf5", b"\xf4", b"\x41\x04", b"\xfb\x3f\xf0" + bytes(6)))
        unprot = rng.choice((b"\xa2" + label + b"\x40" + label + b"\x41\x00", b"\xa1" + bad_label + b"\x40",
                             b"\xa2\x04\x40" + bad_label + b"\x40"))
        body = (b"\xd2\x84" + head(2, len(m.protected_bstr)) + m.protected_bstr + unprot
                + head(2, len(m.payload)) + m.payload + head(2, len(m.signature)) + m.signature)
        return encode(prefix_of(rng, text), body, rng), None

    def g_oddities(self):
        rng = self.rng
        i, text, _ = self.pick()
        return rng.choice((
            None, b"EZ1:" + text[4:].encode(), 12345, text.lower(), " " + text, text + "\r\n", "\x00" + text,
            text[:3] + "\ud800" + text[3:], text.replace(":", "::", 1), text[:3] + ";" + text[4:],
            text + ":" + text, text[:4] + "A" * 70_000, "EZ1:", "EP1: ", "HC1:\n", ":" + text, "\ufeff" + text,
            text[:4] + text[4:].replace(" ", "\u3000"),
        )), i


# ---- running a chunk ------------------------------------------------------------------------------

_TARGET: Target | None = None


def _alarm(signum, frame):
    raise Hang()


def run_chunk(seed: int, chunk: int, n: int) -> dict:
    """Run `n` inputs of chunk `chunk`; return counts, crashes and the slowest input."""
    global _TARGET
    if _TARGET is None:
        _TARGET = Target(seed)
        signal.signal(signal.SIGALRM, _alarm)
    t = _TARGET
    rng = random.Random(f"{seed}:{chunk}")
    mut = Mutator(t, rng)
    per_gen = {g: collections.Counter() for g in GENERATORS}
    crashes = []
    slowest = [(0.0, "", "", -1)]
    clock = time.perf_counter
    for k in range(n):
        gen = rng.choices(GENERATORS, WEIGHTS)[0]
        code, origin = mut.make(gen)
        signal.setitimer(signal.ITIMER_REAL, ALARM_SECONDS)
        t0 = clock()
        problem = None
        try:
            v = verify(code, t.snap, t.now)
        except Hang:
            problem, v = "hang", None
        except BaseException as exc:  # noqa: BLE001 - a crash is exactly what we look for
            problem, v = f"exception {type(exc).__name__}: {exc}"[:300], None
        finally:
            dt = clock() - t0
            signal.setitimer(signal.ITIMER_REAL, 0)
        if v is not None:
            if v.reason not in R.ALL_REASONS or v.reason == R.INTERNAL_ERROR:
                problem = f"reason {v.reason!r}"
            elif v.valid != (v.reason == R.OK):
                problem = f"valid={v.valid} with reason {v.reason}"
            elif v.valid and gen not in MAY_BE_VALID:
                if origin is None:
                    problem = "valid verdict for a generated input"
                elif (signed_parts(code) or ())[:4] not in t.signed:   # a splice may rebuild another pool code
                    problem = "valid verdict although the signed bytes changed"
        per_gen[gen]["ran"] += 1
        per_gen[gen]["valid" if v is not None and v.valid else "invalid"] += 1
        if v is not None:
            per_gen[gen]["r:" + v.reason] += 1
        if problem:
            per_gen[gen]["crash"] += 1
            crashes.append({"gen": gen, "problem": problem, "chunk": chunk, "index": k, "input": repr(code)[:20000]})
        if dt > slowest[-1][0]:
            slowest = sorted(slowest + [(dt, gen, repr(code), k)], reverse=True)[:5]
    return {"chunk": chunk, "per_gen": {g: dict(c) for g, c in per_gen.items()}, "crashes": crashes[:50],
            "crash_count": len(crashes), "slowest": [list(x) + [chunk] for x in slowest]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=1_000_000, help="inputs to run (default 1,000,000)")
    ap.add_argument("--quick", action="store_true", help="20,000 inputs")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replay", metavar="SEED:CHUNK", help="re-run one chunk here, printing each crash")
    args = ap.parse_args(argv)
    if args.replay:
        seed, chunk = (int(x) for x in args.replay.split(":"))
        r = run_chunk(seed, chunk, CHUNK)
        for c in r["crashes"]:
            print(json.dumps(c, ensure_ascii=False))
        print(f"chunk {chunk}: {r['crash_count']} crashes")
        return 1 if r["crash_count"] else 0
    count = 20_000 if args.quick else args.count
    chunks = [(c, min(CHUNK, count - c * CHUNK)) for c in range((count + CHUNK - 1) // CHUNK)]
    print(f"fuzzing terminal.verify.verify: {count:,} inputs in {len(chunks)} chunks of {CHUNK:,}, "
          f"{args.workers} workers, seed {args.seed}, load average {os.getloadavg()[0]:.2f}", flush=True)
    t0 = time.perf_counter()
    totals = {g: collections.Counter() for g in GENERATORS}
    crashes, crash_count, dead = [], 0, []
    slowest: list = []
    done = 0
    with ProcessPoolExecutor(max_workers=args.workers) as ex:
        futures = {ex.submit(run_chunk, args.seed, c, n): c for c, n in chunks}
        for fut in as_completed(futures):
            try:
                r = fut.result()
            except BrokenProcessPool:
                dead.append(futures[fut])
                continue
            for g, c in r["per_gen"].items():
                totals[g].update(c)
            crashes += r["crashes"]
            crash_count += r["crash_count"]
            slowest = sorted(slowest + r["slowest"], reverse=True)[:5]
            done += sum(r["per_gen"][g].get("ran", 0) for g in GENERATORS)
            if len(futures) >= 20 and r["chunk"] % (len(futures) // 10 or 1) == 0:
                print(f"  {done:,} run, {crash_count} crashes, {time.perf_counter() - t0:.0f} s", flush=True)
    elapsed = time.perf_counter() - t0
    print(f"\n{'generator':<12} {'ran':>9} {'valid':>7} {'crash':>6}  most common reasons")
    for g in GENERATORS:
        c = totals[g]
        top = sorted(((k[2:], v) for k, v in c.items() if k.startswith("r:")), key=lambda kv: -kv[1])[:4]
        print(f"{g:<12} {c['ran']:>9,} {c['valid']:>7,} {c['crash']:>6}  " + ", ".join(f"{k} {v}" for k, v in top))
    ran = sum(c["ran"] for c in totals.values())
    print(f"\nran {ran:,} inputs in {elapsed:.0f} s ({ran / elapsed:,.0f}/s with {args.workers} workers)")
    print(f"crashes: {crash_count}" + (f"; worker processes died in chunks {dead}" if dead else ""))
    print("slowest inputs: wall time in the run (a busy machine adds its own pauses), then re-timed here")
    print("(median of 5 runs, after the first):")
    target = Target(args.seed)
    for dt, gen, text, k, chunk in slowest:
        code = ast.literal_eval(text)
        again = []
        for _ in range(6):
            t1 = time.perf_counter()
            verify(code, target.snap, target.now)
            again.append(time.perf_counter() - t1)
        print(f"  {dt * 1e3:8.2f} ms -> {sorted(again[1:])[2] * 1e3:7.3f} ms  {gen:<11} chunk {chunk} #{k}: {text[:90]}")
    if crashes or dead:
        OUT.mkdir(exist_ok=True)
        path = OUT / "fuzz-core-crashes.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for c in crashes:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"crash inputs: {path} (replay a chunk: --seed {args.seed} --replay {args.seed}:CHUNK)")
        for c in crashes[:10]:
            print(f"  [{c['gen']} chunk {c['chunk']} #{c['index']}] {c['problem']}: {c['input'][:120]}")
    return 1 if crash_count or dead else 0


if __name__ == "__main__":
    sys.exit(main())
