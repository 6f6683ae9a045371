"""The platform directory: keys, minting, revocation history and deltas, event validation.

Real files and SQLite; every minted code goes through terminal.verify.verify against the
platform's own signed trust data (checked with terminal.trust, as a terminal would).
"""
from __future__ import annotations

import os
import random
import re
import stat
import uuid

import cbor2
import pytest

from issuer import claims as C
from issuer.platform import EventError, Platform, PlatformError, validate_batch
from issuer_helpers import NOW, platform_snapshot
from terminal import codec, cose, trust, verify
from vocab.spec import revocation_key


def test_init_layout_permissions_and_idempotence(tmp_path):
    root = tmp_path / "plat"
    p, created = Platform.init(root, now=NOW)
    assert created
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(root / "platform.db").st_mode) == 0o600
    key_files = sorted((root / "keys").iterdir())
    assert len(key_files) == 1 + 2 + 4          # root, SD-RC, SD-EC, four demo holders
    for f in key_files:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
        assert b"PRIVATE KEY" in f.read_bytes()
    assert b"PRIVATE" not in (root / "root.pem").read_bytes()
    again, created = Platform.init(root, now=NOW + 5)
    assert not created and again.token == p.token and again.document("trust").seq == 1


def test_init_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    with pytest.raises(PlatformError, match="not an empty directory"):
        Platform.init(tmp_path / "x")
    with pytest.raises(PlatformError, match="not an initialised"):
        Platform(tmp_path / "nothing")


def test_trust_list_shape(plat):
    root = trust.load_root_key(plat.root_pem_path.read_bytes())
    payload = trust.verify_signed(plat.document("trust").cose, root)
    assert payload["v"] == 1 and payload["seq"] == 1 and payload["iat"] == NOW
    assert payload["next"] == NOW + 7 * 86400
    tl = trust.parse_trust_list(payload)
    by_iss = {i.iss: i for i in tl.issuers.values()}
    assert set(by_iss) == {"SD-RC", "SD-EC"}
    assert by_iss["SD-RC"].typ == {"resident"} and by_iss["SD-EC"].typ == {"enterprise"}
    for kid, issuer in tl.issuers.items():
        import hashlib
        assert kid == hashlib.sha256(issuer.spki).digest()[:8]
        assert issuer.status == "active" and issuer.nbf < NOW < issuer.exp
    msg = cose.parse_sign1(plat.document("trust").cose)
    assert msg.kid == bytes.fromhex(plat.meta("root_kid"))


@pytest.mark.parametrize("kw, reason", [
    ({}, "ok"), ({"senior": True}, "ok"), ({"disabled": True}, "ok"), ({"dynamic": True}, "ok"),
    ({"expired": True}, "expired"), ({"forged": True}, "bad_signature"), ({"revoked": True}, "revoked"),
    ({"revoked": True, "dynamic": True}, "revoked"), ({"forged": True, "dynamic": True}, "bad_signature"),
])
def test_minted_resident_codes_verify(plat, kw, reason):
    minted = plat.mint("resident", count=2, now=NOW, **kw)
    snap = platform_snapshot(plat)
    for m in minted:
        v = verify.verify(m.text, snap, NOW + 10)
        assert v.reason == reason, (v.reason, v.detail)
        assert v.profile == ("EP1" if kw.get("dynamic") else "EZ1")
        if reason in ("ok", "expired", "revoked"):
            cred = v.credential
            assert cred.typ == "resident" and cred.issuer == "SD-RC" and cred.cti == m.cti.hex()
            assert re.fullmatch(r".\*.?", cred.name), cred.name
            assert re.fullmatch(r"37\d\d\*{10}\d{3}[\dX]", cred.idm), cred.idm
            certs = {c.t for c in cred.certs}
            assert "id_card" in certs
            assert ("senior" in certs) == bool(kw.get("senior"))
            assert ("disability" in certs) == bool(kw.get("disabled"))
            if kw.get("senior"):
                assert cred.age == (18, 60, 65)


def test_minted_enterprise_codes_verify_and_carry_a_valid_uscc(plat):
    snap = platform_snapshot(plat)
    for m in plat.mint("enterprise", count=5, now=NOW):
        v = verify.verify(m.text, snap, NOW)
        assert v.valid, v.reason
        assert v.credential.typ == "enterprise" and v.credential.name.endswith("有限公司")
        assert C.uscc_valid(v.credential.idm), v.credential.idm
        assert v.credential.certs[0].t == "business_licence" and v.credential.certs[0].no == v.credential.idm


def test_uscc_check_digits():
    # a well-formed code (its GB 32100 check digit is right); any other last character is wrong
    assert C.uscc_valid("91350100M000100Y43")
    assert not any(C.uscc_valid("91350100M000100Y4" + c) for c in C.USCC_CHARS if c != "3")
    rng = random.Random(1)
    assert all(C.uscc_valid(C.uscc(rng, "370102")) for _ in range(200))


def test_every_credential_has_a_cnf_and_presents(plat):
    m = plat.mint("enterprise", now=NOW)[0]
    _, body = codec.decode_text(m.text)
    payload = cbor2.loads(cose.parse_sign1(body).payload)
    assert 1 in payload[C.CLAIM_CNF]
    snap = platform_snapshot(plat)
    ep1 = plat.present(m.cti, now=NOW + 100)
    assert verify.verify(ep1, snap, NOW + 100).valid
    assert verify.verify(ep1, snap, NOW + 100 + 61).reason == "stale_presentation"
    with pytest.raises(PlatformError):
        plat.present(b"\x00" * 12)


def test_mint_refuses_bad_requests(plat):
    with pytest.raises(PlatformError):
        plat.mint("visitor")
    with pytest.raises(PlatformError):
        plat.mint("enterprise", senior=True)
    with pytest.raises(PlatformError):
        plat.mint("resident", count=0)


def _apply(entries: set, doc_raw: bytes, root) -> tuple[set, int]:
    parsed = trust.parse_revocations(trust.verify_signed(doc_raw, root))
    if isinstance(parsed, trust.RevocationList):
        return set(parsed.entries), parsed.seq
    return (entries | set(parsed.add)) - set(parsed.remove), parsed.seq


def test_revocation_history_serves_deltas_that_rebuild_the_full_list(plat):
    root = trust.load_root_key(plat.root_pem_path.read_bytes())
    minted = plat.mint("resident", count=6, now=NOW)
    snapshots = {1: set()}
    for step, (op, m) in enumerate([("revoke", minted[0]), ("revoke", minted[1]), ("revoke", minted[2]),
                                    ("unrevoke", minted[1]), ("revoke", minted[3]), ("unrevoke", minted[0]),
                                    ("revoke", minted[1])]):
        res = getattr(plat, op)(m.cti, now=NOW + step)
        assert res["changed"]
        snapshots[res["seq"]] = set(plat.revoked_entries())
    cur = plat.document("revocations").seq
    assert cur == 8
    for since, held in snapshots.items():
        raw, kind = plat.revocations_since(since)
        assert kind == "delta"
        p = trust.parse_revocations(trust.verify_signed(raw, root))
        assert p.from_seq == since and p.seq == cur
        assert list(p.add) == sorted(p.add) and list(p.remove) == sorted(p.remove)
        rebuilt, seq = _apply(held, raw, root)
        assert rebuilt == set(plat.revoked_entries()) and seq == cur
    # unrevoke 1 then revoke 1 again: between seq 3 and now its entry is not in add or remove
    d = plat.delta_payload(3)
    e1 = revocation_key("SD-RC", minted[1].cti)
    assert e1 not in d["add"] and e1 not in d["remove"]
    assert revocation_key("SD-RC", minted[0].cti) in d["remove"]
    # current seq: an empty delta; 0, ahead of us or too old: the full list
    empty = plat.delta_payload(cur)
    assert empty["from"] == cur and empty["add"] == [] and empty["remove"] == []
    for since in (0, None, cur + 5):
        raw, kind = plat.revocations_since(since)
        assert kind == "full"
        full = trust.parse_revocations(trust.verify_signed(raw, root))
        assert full.entries == frozenset(plat.revoked_entries())
    plat.set_meta("delta_window", 3)
    assert plat.revocations_since(cur - 3)[1] == "delta"
    assert plat.revocations_since(cur - 4)[1] == "full"


def test_revoke_is_idempotent_and_needs_an_issuer_for_foreign_codes(plat):
    m = plat.mint("resident", now=NOW)[0]
    first = plat.revoke(m.cti)
    again = plat.revoke(m.cti)
    assert first["changed"] and not again["changed"] and again["seq"] == first["seq"]
    assert first["entry"] == revocation_key("SD-RC", m.cti).hex()
    with pytest.raises(PlatformError, match="--iss"):
        plat.revoke(b"\x01" * 12)
    res = plat.revoke(b"\x01" * 12, iss="SD-EC")
    assert res["entry"] == revocation_key("SD-EC", b"\x01" * 12).hex()
    assert not plat.unrevoke(b"\x02" * 12, iss="SD-EC")["changed"]


def test_issuer_revocation_and_rotation_resign_the_trust_list(plat):
    m = plat.mint("resident", now=NOW)[0]
    kid = m.kid.hex()
    plat.set_issuer_status(kid, "revoked", now=NOW)
    assert verify.verify(m.text, platform_snapshot(plat), NOW).reason == "issuer_revoked"
    new_kid = plat.add_issuer_key("SD-RC", ["resident"], "ed25519", now=NOW)
    fresh = plat.mint("resident", now=NOW)[0]
    assert fresh.kid.hex() == new_kid
    snap = platform_snapshot(plat)
    assert snap.trust_list.seq == 3 and snap.trust_list.issuers[fresh.kid].alg == cose.EDDSA
    assert verify.verify(fresh.text, snap, NOW).valid


def test_refresh_bumps_seq_and_next(plat):
    out = plat.refresh(NOW + 100, validity=3600)
    assert out == {"trust_list_seq": 2, "revocations_seq": 2}
    assert plat.document("trust").next == NOW + 100 + 3600
    plat.refresh_if_due(NOW + 100 + 1000)
    assert plat.document("trust").seq == 2
    plat.refresh_if_due(NOW + 100 + 1801)
    assert plat.document("trust").seq == 3 and plat.document("revocations").seq == 3


def _event(**over) -> dict:
    ev = {"id": str(uuid.uuid4()), "ts": "2026-11-29T03:00:00Z", "terminal": "T1", "venue": "V1", "mode": "gate",
          "profile": "EZ1", "typ": "resident", "valid": True, "reason": "ok", "issuer": "0a1b2c3d4e5f6071",
          "holder_ref": "ab" * 16, "policy": "default", "prev": "0" * 64, "hash": "f" * 64}
    ev.update(over)
    return {k: v for k, v in ev.items() if v is not ...}


@pytest.mark.parametrize("ev, msg", [
    (_event(name="张*三"), "unknown field(s) for a scan event: name"),
    (_event(sub="sub-123"), "unknown field(s) for a scan event: sub"),
    (_event(id="42"), "'id' must be a lower-case hyphenated UUID"),
    (_event(id=str(uuid.uuid4()).upper()), "'id' must be a lower-case hyphenated UUID"),
    (_event(ts="2026-11-29 03:00:00"), "RFC 3339"),
    (_event(ts="2026-11-29T11:00:00+08:00"), "RFC 3339 UTC"),
    (_event(ts="2026-02-30T11:00:00Z"), "'ts' must be a real RFC 3339 UTC time"),
    (_event(ts="2026-11-29T11:00:00.1234567Z"), "at most 6 fractional digits"),
    (_event(venue="张三的店"), "'venue' must be an identifier"),
    (_event(policy="王芳 370102199001011234"), "'policy' must be an identifier"),
    (_event(prev=None), "'prev' and 'hash' are required"),
    (_event(kind="gossip"), "'kind' must be one of"),
    (_event(mode="door"), "'mode'"),
    (_event(valid="yes"), "'valid'"),
    (_event(reason="Bad Code!"), "'reason'"),
    (_event(holder_ref="3701**********1234"), "'holder_ref'"),
    (_event(hash="xyz"), "'hash'"),
    (_event(terminal="T2"), "differs"),
    (_event(venue=...), "'venue' is required"),
])
def test_event_validation_refuses_by_name(plat, ev, msg):
    """Each event is checked alone: the bad one is rejected with its reason, the good one stored."""
    good = _event()
    answer = plat.store_events("T1", [good, ev])
    assert answer.accepted == [good["id"]] and answer.duplicates == []
    [rej] = answer.rejected
    if msg == "differs":
        assert rej["error"] == "wrong_terminal"
    else:
        assert rej["error"] == "schema" and msg in rej["detail"], rej


def test_event_validation_accepts_nulls_for_unreadable_codes():
    ev = _event(profile=None, typ=None, issuer=None, holder_ref=None, policy=None, valid=False,
                reason="unknown_format")
    assert validate_batch({"terminal": "T1", "events": [ev]}) == ("T1", [ev])
    with pytest.raises(EventError):
        validate_batch({"terminal": "T1", "events": [ev], "extra": 1})
    with pytest.raises(EventError):
        validate_batch([ev])


def test_store_events_is_idempotent_per_id(plat):
    a, b = _event(), _event()
    assert plat.store_events("T1", [a, b]).to_json() == {"accepted": [a["id"], b["id"]], "duplicates": [],
                                                         "rejected": []}
    c = _event()
    assert plat.store_events("T1", [b, c, c]).to_json() == {"accepted": [c["id"]], "duplicates": [b["id"], c["id"]],
                                                            "rejected": []}
    # the same id with other content is a conflict, never a silent duplicate
    assert plat.store_events("T1", [{**a, "hash": "e" * 64}]).rejected == [{"id": a["id"], "error": "conflict"}]
    assert [e["id"] for e in plat.events()] == [a["id"], b["id"], c["id"]]
    assert plat.events()[0] == a


def test_init_recovers_from_an_init_that_died_half_way(tmp_path):
    root = tmp_path / "plat"
    (root / "keys").mkdir(parents=True)
    (root / "keys" / "root.key").write_text("half-written")
    (root / "platform.db.init").write_bytes(b"")
    p, created = Platform.init(root, now=NOW)
    assert created and p.document("trust").seq == 1
    assert not (root / "platform.db.init").exists()


def test_issuer_imports_only_the_terminal_codec_modules():
    import ast
    from pathlib import Path

    allowed = {"terminal.codec", "terminal.cose", "terminal.trust", "terminal.sm2"}   # sm2: signing primitives, like cose
    pkg = Path(__file__).resolve().parents[2] / "issuer"
    seen = set()
    for path in sorted(pkg.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                if node.module == "terminal.trust":
                    assert [a.name for a in node.names] == ["revocation_key"], path.name
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("cache", "scanner", "ui"), f"{path.name} imports {name}"
                if top == "terminal" and name != "terminal":
                    seen.add(name)
    terminal_modules = {n for n in seen if n.count(".") == 1}
    assert terminal_modules <= allowed, terminal_modules
    assert "terminal.verify" not in seen
