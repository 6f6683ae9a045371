"""SM2 with SM3 (credential-format.md section 8, issue 13).

- the GB/T 32918.5-2017 Annex A signature example (default ID) verifies through terminal.sm2, and
  a one-bit change in the message, r, s, the key or the ID does not;
- terminal.sm2 and gmssl (pure Python, independent) verify each other's signatures, also with a
  non-default ID;
- SM2 worlds (all SM2, and both mixed worlds) pass case by case through verify() and through
  `venue-terminal verify --json` in a subprocess;
- alg binding: an SM2 signature against an ES256 entry, and the reverse, is bad_signature;
- no backend: SM2 codes get unsupported_algorithm with a one-line detail, never a crash; SM2
  trust data is refused with a one-line TrustDataError.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import cbor2
import pytest

from terminal import cose, sm2, trust
from terminal.config import load_snapshot
from terminal.verify import TrustSnapshot, verify

gmssl_sm2 = pytest.importorskip("gmssl.sm2", reason="gmssl (dev extra) is the test oracle")

REPO = Path(__file__).resolve().parents[2]

# GB/T 32918.5-2017 (GM/T 0003.5-2012) Annex A: signature example on the recommended curve.
ANNEX_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
ANNEX_X = bytes.fromhex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
ANNEX_Y = bytes.fromhex("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
ANNEX_MSG = b"message digest"
ANNEX_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
ANNEX_E = bytes.fromhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
ANNEX_R = bytes.fromhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3")
ANNEX_S = bytes.fromhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")

needs_backend = pytest.mark.skipif(not sm2.available(), reason=f"no SM2 backend: {sm2.unavailable_reason()}")


def _flip(b: bytes, bit: int) -> bytes:
    out = bytearray(b)
    out[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(out)


def _gm(pub: sm2.PublicKey, d: int | None = None):
    return gmssl_sm2.CryptSM2(private_key=None if d is None else f"{d:064x}", public_key=(pub.x + pub.y).hex())


def _gm_e(pub: sm2.PublicKey, msg: bytes) -> str:
    return sm2.sm3(pub.z + msg).digest().hex()


# ---- the standard's example ------------------------------------------------------------------

def test_annex_a_values_from_gmssl_deterministic_signing():
    """The oracle reproduces the standard's e, r and s from its d and k (so the constants are right)."""
    pub = sm2.PublicKey(ANNEX_X, ANNEX_Y)
    gm = _gm(pub, ANNEX_D)
    assert bytes.fromhex(gm._sm3_z(ANNEX_MSG)) == ANNEX_E
    assert sm2.sm3(sm2.z_a(ANNEX_X, ANNEX_Y) + ANNEX_MSG).digest() == ANNEX_E
    assert bytes.fromhex(gm.sign_with_sm3(ANNEX_MSG, ANNEX_K)) == ANNEX_R + ANNEX_S


@needs_backend
def test_annex_a_signature_verifies():
    assert sm2.verify(sm2.PublicKey(ANNEX_X, ANNEX_Y), ANNEX_MSG, ANNEX_R + ANNEX_S)
    assert sm2.verify(sm2.PublicKey(ANNEX_X, ANNEX_Y, sm2.DEFAULT_ID), ANNEX_MSG, ANNEX_R + ANNEX_S)
    assert sm2.PrivateKey(ANNEX_D).public_key() == sm2.PublicKey(ANNEX_X, ANNEX_Y)


@needs_backend
@pytest.mark.parametrize("bit", [0, 7, 50, 111])
def test_one_bit_in_the_message_breaks_it(bit):
    assert not sm2.verify(sm2.PublicKey(ANNEX_X, ANNEX_Y), _flip(ANNEX_MSG, bit), ANNEX_R + ANNEX_S)


@needs_backend
@pytest.mark.parametrize("bit", [0, 1, 128, 255, 256, 300, 511])
def test_one_bit_in_r_or_s_breaks_it(bit):
    assert not sm2.verify(sm2.PublicKey(ANNEX_X, ANNEX_Y), ANNEX_MSG, _flip(ANNEX_R + ANNEX_S, bit))


@needs_backend
@pytest.mark.parametrize("bit", [0, 5, 255, 256, 300, 511])
def test_one_bit_in_the_key_breaks_it(bit):
    xy = _flip(ANNEX_X + ANNEX_Y, bit)
    try:
        key = sm2.PublicKey(xy[:32], xy[32:])
    except ValueError:
        return                           # no longer a point on the curve: refused outright
    assert not sm2.verify(key, ANNEX_MSG, ANNEX_R + ANNEX_S)


@needs_backend
@pytest.mark.parametrize("bit", [0, 7, 64, 127])
def test_one_bit_in_the_id_breaks_it(bit):
    key = sm2.PublicKey(ANNEX_X, ANNEX_Y, _flip(sm2.DEFAULT_ID, bit))
    assert not sm2.verify(key, ANNEX_MSG, ANNEX_R + ANNEX_S)


@needs_backend
def test_malformed_signatures_are_false_not_errors():
    key = sm2.PublicKey(ANNEX_X, ANNEX_Y)
    for sig in (b"", ANNEX_R, ANNEX_R + ANNEX_S + b"\0", bytes(64), sm2.N.to_bytes(32, "big") + ANNEX_S,
                ANNEX_R + sm2.N.to_bytes(32, "big"), b"\xff" * 64, sm2.der_signature(ANNEX_R + ANNEX_S)):
        assert sm2.verify(key, ANNEX_MSG, sig) is False


def test_points_off_the_curve_are_refused():
    with pytest.raises(ValueError):
        sm2.PublicKey(ANNEX_X, _flip(ANNEX_Y, 255))
    with pytest.raises(ValueError):
        sm2.PublicKey(b"\1" * 32, b"\2" * 32)
    with pytest.raises(ValueError):
        sm2.PublicKey(ANNEX_X[:31], ANNEX_Y)


def test_z_a_is_cached_per_key_and_id():
    key = sm2.PublicKey(ANNEX_X, ANNEX_Y)
    assert key.z is key.z and key.z == sm2.z_a(ANNEX_X, ANNEX_Y)
    other = key.with_id(b"alice@example")
    assert other.z != key.z and other != key and key.with_id(sm2.DEFAULT_ID) is key


# ---- the backend against the independent oracle ----------------------------------------------

@needs_backend
def test_backend_signatures_verify_with_gmssl_and_back():
    rng = random.Random(13)
    for n in range(12):
        priv = sm2.PrivateKey(1 + rng.randrange(sm2.N - 2))
        pub = priv.public_key()
        msg = rng.randbytes(rng.randrange(0, 600))
        uid = sm2.DEFAULT_ID if n % 2 == 0 else rng.randbytes(rng.randrange(1, 40))
        gm = _gm(pub.with_id(uid), priv.d)
        ours = priv.sign(msg, uid)
        e = _gm_e(pub.with_id(uid), msg)
        assert gm.verify(ours.hex(), bytes.fromhex(e)), n
        if uid == sm2.DEFAULT_ID:
            assert gm.verify_with_sm3(ours.hex(), msg)
        theirs = bytes.fromhex(gm.sign(bytes.fromhex(e), f"{1 + rng.randrange(sm2.N - 2):064x}"))
        assert sm2.verify(pub.with_id(uid), msg, theirs), n
        assert not sm2.verify(pub.with_id(uid), msg + b"x", theirs)
        assert not sm2.verify(pub.with_id(uid + b"x"), msg, theirs)


@needs_backend
def test_private_key_round_trip_and_spki():
    priv = sm2.PrivateKey.generate()
    again = sm2.load_private_der(sm2.pem_body(priv.private_pem()))
    assert again.d == priv.d and again.public_key() == priv.public_key()
    der = sm2.spki_der(priv.public_key())
    assert trust.load_root_key(der) == priv.public_key()
    assert trust.load_root_key(sm2.spki_pem(priv.public_key())) == priv.public_key()
    assert trust.load_public_spki(der, b"uid").uid == b"uid"


# ---- COSE and the pipeline ------------------------------------------------------------------

def test_cose_key_form():
    ck = {1: 2, -1: cose.CRV_SM2, -2: ANNEX_X, -3: ANNEX_Y}
    key, alg = cose.cose_key_to_public(ck)
    assert alg == cose.SM2 and key == sm2.PublicKey(ANNEX_X, ANNEX_Y) and key.uid == sm2.DEFAULT_ID
    assert cose.public_to_cose_key(key) == ck
    with pytest.raises(ValueError):
        cose.cose_key_to_public({**ck, -3: _flip(ANNEX_Y, 255)})
    assert cose.ALG_NAMES[cose.SM2] == "SM2" and cose.SM2 == -65601


@needs_backend
def test_alg_binding_mismatch_is_bad_signature():
    """Like ES256 vs EdDSA today: the entry's alg binds its key, both ways."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from issuer import claims as C, keys
    rng = random.Random(5)
    now = 1_800_000_000
    s_key = sm2.PrivateKey(1 + rng.randrange(sm2.N - 2))
    p_key = ec.derive_private_key(1 + rng.randrange(2**200), ec.SECP256R1())
    entries = []
    for key in (s_key, p_key):
        entries.append({"kid": keys.kid_of(key), "iss": "SD-RC", "alg": keys.alg_of(key), "spki": keys.spki_der(key),
                        "typ": ["resident"], "name": "山东省大数据局"})
    tl = trust.parse_trust_list({"v": 1, "seq": 1, "iat": now, "next": now + 99, "issuers": entries})
    snap = TrustSnapshot(trust_list=tl, revocations=trust.RevocationList(1, now, now + 99))
    ezc = C.resident_ezc(rng, now=now)

    def code(key, kid, alg=None):
        p = C.credential_claims(iss="SD-RC", sub="s", iat=now, exp=now + 99, cti=rng.randbytes(12), ezc=ezc)
        return C.ez1_text(C.sign_credential(p, key, kid, **({"alg": alg} if alg else {})))

    ok = verify(code(s_key, keys.kid_of(s_key)), snap, now)
    assert ok.valid and ok.credential.alg == "SM2" and ok.credential.authority == "山东省大数据局"
    assert ok.to_dict()["credential"]["alg"] == "SM2"
    assert verify(code(p_key, keys.kid_of(p_key)), snap, now).credential.alg == "ES256"
    assert verify(code(s_key, keys.kid_of(p_key)), snap, now).reason == "bad_signature"
    assert verify(code(p_key, keys.kid_of(s_key)), snap, now).reason == "bad_signature"
    # an SM2 signature labelled ES256 under the SM2 entry, and the reverse
    assert verify(code(s_key, keys.kid_of(s_key), cose.ES256), snap, now).reason == "bad_signature"
    assert verify(code(p_key, keys.kid_of(p_key), cose.SM2), snap, now).reason == "bad_signature"


def test_hc1_never_accepts_sm2():
    from terminal.stages import HC1_ALGS, Fail, stage_algorithm
    assert cose.SM2 not in HC1_ALGS
    msg = cose.parse_sign1(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps({1: cose.SM2}), {}, b"", b""])))
    with pytest.raises(Fail) as exc:
        stage_algorithm(msg, HC1_ALGS)
    assert exc.value.reason == "unsupported_algorithm"


# ---- SM2 worlds -----------------------------------------------------------------------------

WORLD_KINDS = {"sm2": ("sm2", None), "sm2-under-p256": ("sm2", "p256"), "p256-under-sm2": ("p256", "sm2")}


@pytest.fixture(scope="module", params=list(WORLD_KINDS))
def sm2_world(request, tmp_path_factory):
    if not sm2.available():
        pytest.skip(sm2.unavailable_reason())
    from issuer.world import build_world
    alg, root_alg = WORLD_KINDS[request.param]
    out = tmp_path_factory.mktemp(f"world-{request.param}")
    summary = build_world(out, f"sm2-{request.param}", alg=alg, root_alg=root_alg, images=True)
    doc = json.loads((out / "cases.json").read_text(encoding="utf-8"))
    assert summary["cases"] == len(doc["cases"]) > 120
    return request.param, out, doc


def _snap(world: Path, doc: dict):
    return load_snapshot(world / doc["root_pem"], world / doc["trust_list"], world / doc["revocations"])


def test_sm2_world_every_case_as_text(sm2_world):
    kind, world, doc = sm2_world
    wrong = []
    for case in doc["cases"]:
        seen: set[bytes] = set()
        v = verify(case["code"], _snap(world, doc), case["at"], replay_seen=seen.__contains__)
        if (v.valid, v.reason) != (case["valid"], case["reason"]):
            wrong.append(f"{case['name']}: want {case['reason']}, got {v.reason} ({v.detail})")
    assert not wrong, "\n".join(wrong)
    names = {c["name"] for c in doc["cases"]}
    assert {"resident_es256_ok", "presentation_p256_holder_ok", "sm2_uid_issuer_ok",
            "sm2_signature_under_es256_entry", "es256_signature_under_sm2_entry"} <= names
    root = trust.load_root_key((world / "root.pem").read_bytes())
    assert isinstance(root, sm2.PublicKey) == (kind != "sm2-under-p256")


def test_sm2_world_keys_are_sm2_where_p256_was(sm2_world):
    kind, world, doc = sm2_world
    tl = _snap(world, doc).trust_list
    algs = {i.alg for i in tl.issuers.values()}
    assert cose.SM2 in algs and cose.ES256 in algs        # the sm2_* cases keep one P-256 entry
    by_alg = defaultdict(int)
    for i in tl.issuers.values():
        by_alg[i.alg] += 1
        assert isinstance(i.key, sm2.PublicKey) == (i.alg == cose.SM2)
    assert (by_alg[cose.SM2] > by_alg[cose.ES256]) == kind.startswith("sm2")
    uid = [i for i in tl.issuers.values() if i.uid is not None]
    assert len(uid) == 1 and uid[0].key.uid == uid[0].uid and uid[0].name == "山东省公安厅"


def test_sm2_world_through_the_cli(sm2_world, tmp_path):
    """`venue-terminal verify --json` on the world's files, grouped by `at` like test_vectors."""
    kind, world, doc = sm2_world
    for at, cases in _by_at([c for c in doc["cases"] if c["code"].strip()]).items():
        path = tmp_path / f"codes-{at}.txt"
        path.write_text("".join(c["code"] + "\n" for c in cases), encoding="utf-8")
        proc, lines = _cli_verify(world, doc, at, [str(path)])
        assert len(lines) == len(cases), proc.stderr
        wrong = [(c["name"], c["reason"], r["reason"]) for c, r in zip(cases, lines)
                 if (r["valid"], r["reason"]) != (c["valid"], c["reason"])]
        assert not wrong, wrong
        assert proc.returncode == (0 if all(c["valid"] for c in cases) else 1), proc.stderr
        ok = [r for c, r in zip(cases, lines) if c["name"] == "sm2_uid_issuer_ok"]
        if ok:
            assert ok[0]["credential"]["alg"] == "SM2" and ok[0]["credential"]["authority"] == "山东省公安厅"


def _by_at(cases: list[dict]) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = defaultdict(list)
    for c in cases:
        groups[c["at"]].append(c)
    return groups


def _cli_verify(world: Path, doc: dict, at: int, inputs: list[str]):
    """`venue-terminal verify --json` on the world's trust files at `at`: (process, JSON lines)."""
    cmd = [sys.executable, "-m", "terminal.cli", "verify", "--root-key", str(world / doc["root_pem"]),
           "--trust-list", str(world / doc["trust_list"]), "--revocations", str(world / doc["revocations"]),
           "--at", str(at), "--json", *inputs]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=str(REPO),
                          env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_sm2_world_as_images_through_the_cli(sm2_world):
    """Each case's QR image (rendered by the world) through the real decoders in `venue-terminal
    verify --json IMAGE...`: the same verdict as its text."""
    kind, world, doc = sm2_world
    imaged = [c for c in doc["cases"] if c.get("image")]
    assert len(imaged) > 100
    for at, cases in _by_at(imaged).items():
        proc, lines = _cli_verify(world, doc, at, [str(world / c["image"]) for c in cases])
        assert len(lines) == len(cases), proc.stderr
        wrong = [(c["name"], c["reason"], r["reason"]) for c, r in zip(cases, lines)
                 if (r["valid"], r["reason"]) != (c["valid"], c["reason"]) or Path(c["image"]).name not in r["input"]]
        assert not wrong, wrong


# ---- no backend -----------------------------------------------------------------------------

@pytest.fixture
def no_backend(monkeypatch):
    monkeypatch.setattr(sm2, "_probed", True)
    monkeypatch.setattr(sm2, "_backend", None)
    monkeypatch.setattr(sm2, "_backend_error", "no SM2 backend: test says so")


def test_missing_backend_gives_unsupported_algorithm(sm2_world, no_backend):
    kind, world, doc = sm2_world
    cases = {c["name"]: c for c in doc["cases"]}
    # the snapshot itself: SM2 trust data cannot be checked without a backend (a one-line refusal)
    if kind != "sm2-under-p256":
        from terminal.config import ConfigError
        with pytest.raises((trust.TrustDataError, ConfigError)) as exc:
            _snap(world, doc)
        assert "SM2" in str(exc.value) and "\n" not in str(exc.value)
        return
    snap = _snap(world, doc)                       # P-256 root: the trust list still loads
    for name in ("resident_es256_ok", "sm2_issuer_ok", "presentation_sm2_holder_ok", "sm2_tampered_payload"):
        v = verify(cases[name]["code"], snap, cases[name]["at"])
        assert (v.valid, v.reason) == (False, "unsupported_algorithm"), name
        assert v.detail and "\n" not in v.detail and "SM2" in v.detail
    # an SM2 holder under an ES256 issuer: the credential verifies, the presentation cannot be checked
    case = cases["presentation_sm2_holder_under_es256_issuer_ok"]
    v = verify(case["code"], snap, case["at"])
    assert v.reason == "unsupported_algorithm"
    # non-SM2 codes are untouched
    for name in ("resident_ed25519_ok", "es256_issuer_beside_sm2_ok"):
        assert verify(cases[name]["code"], snap, cases[name]["at"]).reason == "ok", name


def test_missing_backend_reason_is_one_line(no_backend):
    assert not sm2.available()
    assert sm2.unavailable_reason() == "no SM2 backend: test says so"
    with pytest.raises(sm2.Unavailable):
        sm2.verify(sm2.PublicKey(ANNEX_X, ANNEX_Y), ANNEX_MSG, ANNEX_R + ANNEX_S)
    # keys still parse (trust lists load), only checking needs the backend
    assert trust.load_root_key(sm2.spki_pem(sm2.PublicKey(ANNEX_X, ANNEX_Y))).x == ANNEX_X


def test_probe_failure_is_reported_not_raised(monkeypatch):
    monkeypatch.setattr(sm2, "_probed", False)
    monkeypatch.setattr(sm2, "_backend", None)

    def broken():
        raise OSError("libcrypto.so.3: cannot open shared object file")
    monkeypatch.setattr(sm2, "_LibCrypto", broken)
    assert sm2.available() is False
    assert "libcrypto" in sm2.unavailable_reason() and "\n" not in sm2.unavailable_reason()
