"""HC1 (EU DCC) verification throughput beside EZ1/EP1's, and the cost of loading DSCs.

    .venv/bin/python -m bench.bench_hc1            # ~20 s here
    .venv/bin/python -m bench.bench_hc1 --quick    # fewer calls per row

Rows, each timed through terminal.verify.verify(text, snapshot, now) from the QR text to the
Verdict (prefix, base45, inflate, COSE, then the profile's stages and the policy):
- EZ1 / EP1: the valid codes of the spec vectors (shared/spec/vectors/cases.json) at their
  `at`, against terminal.config.load_snapshot(root.pem, trust-list.cose, revocations.cose).
- HC1 dgc: the dgc test data (shared/testdata/dgc) that verifies at its VALIDATIONCLOCK,
  split by algorithm (ES256; PS256 is the CH folder), against one DccTrust of all its DSCs.
- HC1 minted: 64 distinct codes per algorithm signed here (tests/dcc/hc1kit.py), ES256 and
  PS256 (RSA-2048), so each row has a pool of the same size.
The `sig` column is the bare signature check with `cryptography` on precomputed
Sig_structures and loaded keys: the floor for any verifier in Python.

Then the DSC table: µs per certificate to build a DscEntry with the strict parser
(`cryptography.x509`) and with the tolerant DER reader, over the dgc DSCs: what loading
an EU-gateway-sized trust file (~1,000 DSCs) costs at start-up.

The process is pinned to one CPU; numbers are one core's on a shared 2-core machine.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from terminal import codec, cose, hc1  # noqa: E402
from terminal.config import load_snapshot  # noqa: E402
from terminal.policy import VenuePolicy  # noqa: E402
from terminal.trust import RevocationList  # noqa: E402
from terminal.verify import TrustSnapshot, verify  # noqa: E402
from bench._common import pin_one_core  # noqa: E402
from tests.dcc import hc1kit as K  # noqa: E402
from tests.dcc.dgc import DGC_DIR, load_cases  # noqa: E402

SPEC = Path(os.environ.get("VENUE_SPEC_VECTORS", REPO.parent / "shared" / "spec" / "vectors"))
POOL = 64
_ECDSA = ec.ECDSA(hashes.SHA256())
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def timed(fn, items: list, calls: int) -> dict:
    """Call fn(item) round-robin `calls` times (after one warm-up pass); µs per call."""
    for it in items:
        fn(it)
    gc.collect()
    times = []
    clock = time.perf_counter_ns
    start = clock()
    for k in range(calls):
        it = items[k % len(items)]
        t0 = clock()
        fn(it)
        times.append(clock() - t0)
    total = clock() - start
    times.sort()
    q = lambda f: times[min(len(times) - 1, int(len(times) * f))] / 1000  # noqa: E731
    return {"rate": calls / (total / 1e9), "p50": q(0.5), "p99": q(0.99), "mean": statistics.fmean(times) / 1000}


def bare_check(msg: cose.Sign1, key):
    tbs, sig = msg.to_be_signed(), msg.signature
    if msg.alg == cose.ES256:
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        return lambda: key.verify(der, tbs, _ECDSA)
    if msg.alg == cose.PS256:
        return lambda: key.verify(sig, tbs, _PSS, hashes.SHA256())
    return lambda: key.verify(sig, tbs)


def verifier(snap: TrustSnapshot, policy: VenuePolicy):
    def run(item):
        text, now = item
        v = verify(text, snap, now, policy)
        if not v.valid:
            raise AssertionError(f"benchmark code not valid: {v.reason} {v.detail}")
    return run


def spec_rows() -> list[tuple[str, TrustSnapshot, list, list]]:
    if not (SPEC / "cases.json").exists():
        return []
    doc = json.loads((SPEC / "cases.json").read_text())
    snap = load_snapshot(SPEC / doc["root_pem"], SPEC / doc["trust_list"], SPEC / doc["revocations"])
    groups: dict[str, list] = defaultdict(list)
    for c in doc["cases"]:
        if not c["valid"]:
            continue
        prefix, raw = codec.decode_text(c["code"])
        msg = cose.parse_sign1(raw)
        if prefix == "EP1":
            label = f"EP1 holder {cose.ALG_NAMES.get(msg.alg, msg.alg)}"
        else:
            label = f"{prefix} {cose.ALG_NAMES.get(msg.alg, msg.alg)}"
        groups[label].append((c["code"], c["at"]))
    rows = []
    for label, items in sorted(groups.items()):
        sigs = []
        for text, _ in items:
            msg = cose.parse_sign1(codec.decode_text(text)[1])
            if text.startswith("EZ1:"):
                sigs.append(bare_check(msg, snap.trust_list.issuers[msg.kid].key))
        rows.append((f"{label} (spec)", snap, items, sigs))
    return rows


def dgc_rows() -> list[tuple[str, TrustSnapshot, list, list]]:
    cases, _ = load_cases()
    trust = hc1.DccTrust(hc1.parse_dsc(c.certificate) for c in cases if c.certificate)
    snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=trust)
    policy = VenuePolicy(skew_seconds=0)
    groups: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for c in cases:
        if not c.prefix or c.clock is None or not verify(c.prefix, snap, c.clock, policy).valid:
            continue
        msg = cose.parse_sign1(codec.decode_text(c.prefix)[1])
        items, sigs = groups[f"HC1 {cose.ALG_NAMES[msg.alg]} (dgc)"]
        items.append((c.prefix, c.clock))
        sigs.append(bare_check(msg, trust[msg.kid].key))
    return [(label, snap, items, sigs) for label, (items, sigs) in sorted(groups.items())]


def minted_rows() -> list[tuple[str, TrustSnapshot, list, list]]:
    rows = []
    for label, kind in (("HC1 ES256 (minted)", "ec"), ("HC1 PS256 (minted)", "rsa")):
        key = K.key(kind, 9)
        der = K.make_dsc(key, eku=[K.EKU["vaccination"], K.EKU["test"]])
        trust = K.trust_of(der)
        snap = TrustSnapshot(trust_list=None, revocations=RevocationList(0, 0, 2**63), dcc=trust)
        items, sigs = [], []
        for n in range(POOL):
            body = K.hcert("vt"[n % 2], ci=f"URN:UVCI:01:XX:BENCH{n:04d}#X")
            text = K.sign_hc1(key, der, K.claims("vt"[n % 2], body=body))
            items.append((text, K.T0))
            msg = cose.parse_sign1(codec.decode_text(text)[1])
            sigs.append(bare_check(msg, trust[msg.kid].key))
        rows.append((label, snap, items, sigs))
    return rows


def dsc_table(calls: int) -> None:
    cases, _ = load_cases()
    ders = sorted({c.certificate for c in cases if c.certificate})
    if not ders:
        return
    print(f"\nDSC loading, {len(ders)} distinct dgc certificates, µs per certificate:")
    print(f"{'reader':<34} {'p50µs':>7} {'p99µs':>7} {'per 1,000 DSCs':>15}")
    for label, fn in (("strict (cryptography.x509)", lambda d: hc1.der.parse_strict(d, "", hc1.dsc_kid(d))),
                      ("tolerant DER reader", lambda d: hc1.der.parse_tolerant(d, "", hc1.dsc_kid(d))),
                      ("parse_dsc (strict, else tolerant)", hc1.parse_dsc),
                      ("parse_dsc on a refused DSC", None)):
        items = ders
        if fn is None:
            items = [K.with_negative_serial(K.make_dsc(K.key("ec", 9)))]
            fn = hc1.parse_dsc
        m = timed(fn, items, max(200, calls // 10))
        print(f"{label:<34} {m['p50']:>7.1f} {m['p99']:>7.1f} {m['mean'] * 1000 / 1e6:>13.2f} s")


def run(calls: int) -> int:
    where = pin_one_core()
    print(f"HC1 vs EZ1 verification benchmark: {calls} calls per row, {where}, load average {os.getloadavg()[0]:.2f}")
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M:%S')}, dgc data {DGC_DIR}\n")
    hdr = f"{'row':<26} {'codes':>5} {'codes/s':>8} {'p50µs':>7} {'p99µs':>7} | {'sig p50µs':>9} {'ours/sig':>8}"
    print(hdr)
    print("-" * len(hdr))
    for label, snap, items, sigs in spec_rows() + dgc_rows() + minted_rows():
        policy = VenuePolicy(skew_seconds=0) if label.startswith("HC1") else VenuePolicy()
        m = timed(verifier(snap, policy), items, calls)
        sig = f"{'':>9} {'':>8}"
        if sigs:
            s = timed(lambda f: f(), sigs, calls)
            sig = f"{s['p50']:>9.1f} {m['p50'] / s['p50']:>7.2f}x"
        print(f"{label:<26} {len(items):>5} {m['rate']:>8.0f} {m['p50']:>7.1f} {m['p99']:>7.1f} | {sig}")
    print("\nours: the whole pipeline from the QR text to the Verdict; sig: the bare signature check")
    dsc_table(calls)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=4000, help="timed calls per row (default 4000)")
    ap.add_argument("--quick", action="store_true", help="1000 calls per row")
    args = ap.parse_args(argv)
    return run(1000 if args.quick else args.calls)


if __name__ == "__main__":
    sys.exit(main())
