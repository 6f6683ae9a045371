"""Verification core benchmark: codes per second and p50/p99 µs per code, with references.

    .venv/bin/python -m bench.bench_core              # default run (~30 s here)
    .venv/bin/python -m bench.bench_core --quick      # fewer iterations (~8 s)
    .venv/bin/python -m bench.bench_core --profile    # plus a cProfile of the EP1 path

Rows: EZ1 credentials signed with ES256, EdDSA and SM2, and EP1 presentations (issuer ES256)
whose holder key is ES256 or EdDSA, and an EP1 with an SM2 issuer and an SM2 holder; 64
distinct codes per row, minted in a from-scratch world (tests/core/world.py), every one
verified `ok` before timing. A last line times a bare terminal.sm2.verify (the SM2 floor). The
SM2 rows have no cwt column (python-cwt has no SM2) and only the ratio goal (an SM2 check costs
~0.3 ms, so the 300 µs EP1 goal of issue 2 is for ES256/EdDSA rows).

Columns, on the same codes:
- ours: the whole pipeline, terminal.verify.verify(text, snapshot, now) from the QR text
  (prefix, base45, inflate, COSE, claims, trust list, signature(s), validity, revocation,
  freshness, replay lookup, policy) to the Verdict.
- cwt: python-cwt (`cwt.COSE.decode` with the issuer's COSEKey; for EP1 the holder's COSEKey
  built from `cnf`, then the embedded credential). It gets the COSE bytes already decoded
  (no base45, no zlib) and checks no claims: a lower bound of what it would cost.
- sig: the bare signature checks on precomputed Sig_structures and loaded keys (one for EZ1,
  two for EP1): the floor for any verifier in Python. ES256 and EdDSA take the cheaper of two
  ways to run the same check (ES256: `cryptography` hashing inside verify or given a hashlib
  digest; EdDSA: `cryptography` or libsodium through PyNaCl, which the core uses), so the core
  gets no credit from the route it picked; SM2 is terminal.sm2.verify, the core's own check.

The process is pinned to one CPU, so the numbers are one core's. Goals (issue 2): ours faster
than cwt; EZ1 within 1.5x of its bare signature check, EP1 within 1.5x of its two (SM2 rows:
1.2x, issue 13); EP1 p99
under 300 µs.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import sys
import time
import zlib
from pathlib import Path

import cbor2
import nacl.bindings as _sodium
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal import codec, cose, sm2  # noqa: E402
from terminal.verify import verify  # noqa: E402
from vocab.spec import CLAIM_VC  # noqa: E402
from bench._common import pin_one_core  # noqa: E402
from tests.core.world import World, new_key  # noqa: E402

POOL = 64
ROWS = (
    # label, kind, issuer, holder alg
    ("EZ1 ES256", "EZ1", "ES256", None),
    ("EZ1 EdDSA", "EZ1", "EdDSA", None),
    ("EP1 holder ES256", "EP1", "ES256", "ES256"),
    ("EP1 holder EdDSA", "EP1", "ES256", "EdDSA"),
    ("EZ1 SM2", "EZ1", "SM2", None),
    ("EP1 SM2 holder SM2", "EP1", "SM2", "SM2"),
)
_ECDSA = ec.ECDSA(hashes.SHA256())
_ECDSA_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))


def make_codes(world: World, kind: str, issuer: str, holder_alg: str | None) -> list[str]:
    codes = []
    for n in range(POOL):
        kw = dict(age=[18, 60] if n % 2 else [18], certs=[{"t": "id_card", "no": "3701**********1234"}])
        if kind == "EZ1":
            codes.append(world.ez1(issuer, **kw))
        else:
            codes.append(world.ep1(issuer, holder_alg, holder=new_key(holder_alg), **kw))
    return codes


# ---- the three verifiers ---------------------------------------------------------------------

def ours_fn(snap, now):
    def run(code: str):
        v = verify(code, snap, now, replay_seen=_never_seen)
        if not v.valid:
            raise AssertionError(f"benchmark code not valid: {v.reason} {v.detail}")
    return run


def _never_seen(cti: bytes) -> bool:
    return False


def cwt_fn(world: World):
    from cwt import COSE, COSEKey
    ctx = COSE.new()
    keys = {}
    for i in world.issuers.values():
        if i["alg"] == cose.SM2:
            continue                          # python-cwt has no SM2
        pem = i["key"].public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        keys[i["kid"]] = COSEKey.from_pem(pem, alg="ES256" if i["alg"] == cose.ES256 else "EdDSA", kid=i["kid"])

    def issuer_key(cose_bytes: bytes):
        msg = cose.parse_sign1(cose_bytes)    # only to pick the key by kid, as a verifier must
        return keys[msg.kid]

    def run_ez1(cose_bytes: bytes):
        cwt_payload = ctx.decode(cose_bytes, keys=issuer_key(cose_bytes))
        assert cwt_payload

    def run_ep1(cose_bytes: bytes):
        # Outer layer needs the holder key from the credential's cnf: read it first (unverified),
        # verify the presentation, then verify the credential with the issuer key.
        outer = cbor2.loads(cose_bytes).value
        pres = cbor2.loads(outer[2])
        vc = pres[CLAIM_VC]
        inner = cbor2.loads(vc)
        inner = inner.value if isinstance(inner, cbor2.CBORTag) else inner
        cnf = cbor2.loads(inner[2])[8][1]
        holder = COSEKey.new({**cnf, 3: cose.EDDSA if cnf[1] == 1 else cose.ES256})
        ctx.decode(cose_bytes, keys=holder)
        ctx.decode(vc, keys=issuer_key(vc))

    return run_ez1, run_ep1


def cwt_text_fn(run_cose):
    """python-cwt from the QR text, as a python-cwt user would: base45 package, zlib, cwt."""
    import base45

    def run(text: str):
        raw = base45.b45decode(text.split(":", 1)[1])
        run_cose(raw if raw[0] in (0xD2, 0x84) else zlib.decompress(raw))
    return run


def _cost(fn, n: int = 300) -> float:
    """Best-of-three mean seconds per call, to pick the cheaper of two equivalent checks."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def sig_fn(world: World):
    """Per code, a closure doing only the signature check(s) with loaded keys."""
    issuers_by_kid = {i["kid"]: i["key"].public_key() for i in world.issuers.values()}

    def prepared(cose_bytes: bytes, key=None):
        msg = cose.parse_sign1(cose_bytes)
        tbs = msg.to_be_signed()
        key = key or issuers_by_kid[msg.kid]
        if msg.alg == cose.ES256:
            der = encode_dss_signature(int.from_bytes(msg.signature[:32], "big"),
                                       int.from_bytes(msg.signature[32:], "big"))
            # The floor takes the cheaper of cryptography's two ways to check the same signature
            # (hashing inside verify, or a hashlib digest passed as Prehashed, which the core uses),
            # so the core's ratio gets no credit from the hashing route it picked.
            inside = lambda: key.verify(der, tbs, _ECDSA)  # noqa: E731
            prehashed = lambda: key.verify(der, hashlib.sha256(tbs).digest(), _ECDSA_PREHASHED)  # noqa: E731
            return min((inside, prehashed), key=_cost)
        sig = msg.signature
        if msg.alg == cose.SM2:
            return lambda: sm2.verify(key, tbs, sig)
        # EdDSA: the cheaper of cryptography's verify and libsodium's (PyNaCl), which the core
        # uses and which takes ~half of OpenSSL's time here: with cryptography alone the floor was
        # ~2x the core's own check, and the EdDSA rows read faster than their bare check.
        raw = key.public_bytes_raw()
        openssl = lambda: key.verify(sig, tbs)  # noqa: E731
        sodium = lambda: _sodium.crypto_sign_open(sig + tbs, raw)  # noqa: E731
        return min((openssl, sodium), key=_cost)

    def for_code(kind: str, cose_bytes: bytes):
        if kind == "EZ1":
            return prepared(cose_bytes)
        msg = cose.parse_sign1(cose_bytes)
        vc = cbor2.loads(msg.payload)[CLAIM_VC]
        cnf = cbor2.loads(cose.parse_sign1(vc).payload)[8][1]
        holder, _ = cose.cose_key_to_public(cnf)
        a, b = prepared(cose_bytes, holder), prepared(vc)

        def both():
            a()
            b()
        return both

    return for_code


# ---- timing ----------------------------------------------------------------------------------

def measure(cells: dict, iterations: int, rounds: int = 8) -> dict:
    """Time each cell's fn over its inputs, interleaved in `rounds` so that load from other
    processes on this shared machine hits every column alike.

    cells: {name: (fn, args)}; fn(arg) is called round-robin over args. Per call, wall time
    and this thread's CPU time (which excludes time spent descheduled) are recorded.
    Returns {name: {rate, mean, p50, p99, cpu_p50, cpu_p99}} (rate in calls/s, times in µs).
    """
    for fn, args in cells.values():        # warm up (and check) every input once
        for a in args:
            fn(a)
    wall = {k: [] for k in cells}
    cpu = {k: [] for k in cells}
    spent = dict.fromkeys(cells, 0)
    per_round = max(1, iterations // rounds)
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    for r in range(rounds):
        for name, (fn, args) in cells.items():
            n = len(args)
            w, c = wall[name], cpu[name]
            gc.collect()
            t_start = clock()
            for k in range(r * per_round, (r + 1) * per_round):
                a = args[k % n]
                c0 = cpu_clock()
                t0 = clock()
                fn(a)
                t1 = clock()
                c1 = cpu_clock()
                w.append(t1 - t0)
                c.append(c1 - c0)
            spent[name] += clock() - t_start
    out = {}
    for name in cells:
        w, c = sorted(wall[name]), sorted(cpu[name])
        q = lambda xs, f: xs[min(len(xs) - 1, int(len(xs) * f))] / 1000  # noqa: E731
        out[name] = {"rate": len(w) / (spent[name] / 1e9), "mean": statistics.fmean(w) / 1000,
                     "p50": q(w, 0.5), "p99": q(w, 0.99), "cpu_p50": q(c, 0.5), "cpu_p99": q(c, 0.99)}
    return out


def run(iterations: int, profile: bool) -> int:
    where = pin_one_core()
    have_sm2 = sm2.available()
    if not have_sm2:
        print(f"SM2 rows skipped: {sm2.unavailable_reason()}")
    world = World(seed=2026, now=1_800_000_000, with_sm2=have_sm2)
    snap = world.snapshot()
    ours = ours_fn(snap, world.now)
    cwt_ez1, cwt_ep1 = cwt_fn(world)
    sig_for = sig_fn(world)
    print(f"verification core benchmark: {iterations} calls per cell, {POOL} distinct codes per row, {where}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    print(f"{'':<17} {'ours (terminal.verify)':^27} | {'cwt p50':^13} | {'bare sig':^13} | {'ratios (p50)':^26}")
    hdr = (f"{'row':<17} {'/s':>6} {'p50µs':>6} {'p99µs':>6} {'cpu99':>6} | {'cwt':>6} {'cwt-c':>6} | "
           f"{'/s':>6} {'p50µs':>6} | {'ours/sig':>8} {'ours/cwt':>8} {'/cwt-c':>7}")
    print(hdr)
    print("-" * len(hdr))
    results = {}
    for label, kind, issuer, holder_alg in ROWS:
        is_sm2 = "SM2" in (issuer, holder_alg)
        if is_sm2 and not have_sm2:
            continue
        codes = make_codes(world, kind, issuer, holder_alg)
        cose_bytes = [codec.decode_text(c)[1] for c in codes]
        checks = [sig_for(kind, b) for b in cose_bytes]
        cwt_cose = cwt_ez1 if kind == "EZ1" else cwt_ep1
        cells = {"ours": (ours, codes), "sig": (lambda f: f(), checks)}
        if not is_sm2:
            cells.update({"cwt": (cwt_text_fn(cwt_cose), codes), "cwtc": (cwt_cose, cose_bytes)})
        m = measure(cells, iterations)
        o, c, cc, s = m["ours"], m.get("cwt"), m.get("cwtc"), m["sig"]
        results[label] = (kind, o, c, cc, s)
        if c is None:
            print(f"{label:<17} {o['rate']:>6.0f} {o['p50']:>6.1f} {o['p99']:>6.1f} {o['cpu_p99']:>6.1f} | "
                  f"{'-':>6} {'-':>6} | {s['rate']:>6.0f} {s['p50']:>6.1f} | "
                  f"{o['p50'] / s['p50']:>7.2f}x {'-':>8} {'-':>7}")
            continue
        print(f"{label:<17} {o['rate']:>6.0f} {o['p50']:>6.1f} {o['p99']:>6.1f} {o['cpu_p99']:>6.1f} | "
              f"{c['p50']:>6.1f} {cc['p50']:>6.1f} | {s['rate']:>6.0f} {s['p50']:>6.1f} | "
              f"{o['p50'] / s['p50']:>7.2f}x {o['p50'] / c['p50']:>7.2f}x {o['p50'] / cc['p50']:>7.2f}x")
    if have_sm2:
        key = new_key("SM2")
        pub = key.public_key()
        msgs = [os.urandom(300 + n) for n in range(8)]
        sigs = [(m_, key.sign(m_)) for m_ in msgs]
        b = measure({"sm2": (lambda ms: sm2.verify(pub, ms[0], ms[1]), sigs)}, iterations)["sm2"]
        print(f"{'SM2 verify (bare)':<17} {b['rate']:>6.0f} {b['p50']:>6.1f} {b['p99']:>6.1f} {b['cpu_p99']:>6.1f} | "
              f"terminal.sm2.verify, 300-byte message, Z_A cached ({sm2.backend_name()})")
    print("""
cwt: python-cwt from the same QR text (base45 package, zlib, cwt.COSE.decode per layer);
cwt-c: python-cwt given the COSE bytes already decoded (a lower bound: no text decoding, no claims).
Ratios are of p50 time per code (lower is better for ours). cpu99: p99 of this thread's CPU
time per code, which leaves out time descheduled by other processes on this shared machine.
""")
    failed = 0
    for label, (kind, o, c, cc, s) in results.items():
        # Issue 13: an SM2 row within 1.2x of its bare SM2 verify(s) with the same library (the
        # SM2 check is ~0.25 ms, so the rest of the pipeline must stay a small part of it).
        limit = 1.2 if "SM2" in label else 1.5
        goals = [(f"{label}: within {limit}x of the bare signature check{'s' if kind == 'EP1' else ''}",
                  o["p50"] <= limit * s["p50"])]
        if c is not None:
            goals.insert(0, (f"{label}: faster than python-cwt on the same text", o["p50"] < c["p50"]))
        if kind == "EP1" and c is not None:
            goals.append((f"{label}: p99 under 300 µs (wall {o['p99']:.0f} µs, CPU {o['cpu_p99']:.0f} µs)",
                          min(o["p99"], o["cpu_p99"]) < 300))
        for text, ok in goals:
            failed += not ok
            print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    if profile:
        profile_ep1(ours, make_codes(world, "EP1", "ES256", "EdDSA"))
    return 1 if failed else 0


def profile_ep1(ours, codes: list[str]) -> None:
    import cProfile
    import pstats
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(30):
        for code in codes:
            ours(code)
    pr.disable()
    print("\ncProfile of the EP1 path (holder EdDSA), top 20 by own time:")
    pstats.Stats(pr).sort_stats("tottime").print_stats(20)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iterations", type=int, default=4000, help="timed calls per cell (default 4000)")
    ap.add_argument("--quick", action="store_true", help="1000 calls per cell")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of the EP1 path")
    args = ap.parse_args(argv)
    return run(1000 if args.quick else args.iterations, args.profile)


if __name__ == "__main__":
    sys.exit(main())
