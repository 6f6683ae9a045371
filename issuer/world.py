"""Conformance worlds: the shared vectors' layout, fresh keys from a seed, more edge cases.

    >>> summary = build_world(Path("out"), "seed-1")
    >>> # out/root.pem, out/trust-list.cose, out/revocations.cose, out/cases.json, out/img/*.png

Every case is independent: verify it against a fresh terminal holding this trust list and
revocation list, at `at`, with the default policy (skew 300 s, presentations 60 s old to
30 s ahead). Each case's `reason` is what credential-format.md section 5 demands; cases
where the spec leaves the answer open are not in the world (see AMBIGUOUS below).

The same seed gives the same keys, clock, names and nonces; ECDSA and SM2 signatures are
randomised, so the bytes of signed cases differ between runs while their verdicts do not.

`alg="sm2"` builds every case with SM2 keys where the default world has P-256 ones (issuers,
holders, forgers; Ed25519 keys stay), under an SM2 root unless `root_alg` says otherwise:
`alg="sm2", root_alg="p256"` (SM2 issuers under an ES256 root) and `alg="p256", root_alg="sm2"`
(the reverse) are the mixed worlds. Case names stay those of the default world (resident_es256_ok
is SM2-signed in an SM2 world). A world with SM2 anywhere adds the SM2_CASES below.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import zlib
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from terminal import codec, cose, sm2
from vocab import reasons as R
from vocab.spec import CLAIM_CNF, revocation_key

from . import claims as C
from . import keys
from .qr import write_png

DAY = C.DAY
MAX = 16 * 1024
ES384 = -35

# Cases left out on purpose: the spec does not settle their reason code.
AMBIGUOUS = {
    "alg_absent_or_unprotected": "alg missing from the protected header (or only unprotected): the spec says "
                                 "it MUST be protected but names no reason (unsupported_algorithm or bad_encoding)",
    "malformed_claims_plus_later_fault": "a credential whose claims are malformed (e.g. an EP1 body behind EZ1:, "
                                         "no kid and no exp) AND that fails a later step: section 5 does not say "
                                         "when the claims structure is checked (bad_encoding vs unknown_issuer)",
    "issuer_window_boundary": "credential iat exactly equal to the issuer key's nbf or exp: 'issued in this "
                              "window' does not say whether the ends are inclusive",
    "step6_combinations": "two step-6 faults at once (revoked key that is also out of its window, or wrong iss "
                          "and wrong typ): step 6 lists three reasons without an order",
    "ep1_with_kid": "a presentation whose protected header has a kid ('has alg and no kid' names no reason)",
    "ezc_version_2": "ezc.v other than 1: bad_encoding or unknown_format is not said",
    "detached_payload": "COSE_Sign1 with a nil (detached) payload, valid in RFC 9052",
    "cbor_trailing_bytes": "a COSE body followed by further CBOR bytes (uncompressed form)",
    "duplicate_map_keys": "CBOR maps with duplicate keys (RFC 8949 leaves it to the application)",
    "bad_cnf_key_static": "an EZ1 whose cnf holds an unusable COSE_Key, scanned statically",
    "hc1_without_dcc_trust": "HC1 codes in a world that configures no DCC trust list",
    "prefix_whitespace": "leading spaces or trailing CR/LF around the prefix (scanners add them)",
}


def _seed_int(seed: str, label: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{label}\x00{seed}".encode()).digest()[:8], "big")


SM2_UID = b"SD-PSB@shandong.gov.cn"        # a non-default distinguishing ID for one SM2 issuer entry
ALGS = ("p256", "sm2")
ROOT_ALGS = ("ed25519", "p256", "sm2")



def expected_warnings(case: dict) -> list[str]:
    """The warnings section 2 adds to a valid case (cases.json keeps the shared vectors' layout,
    which states none): an EZ1 whose credential carries `cnf` (made for a phone, shown bare) is
    `bound_credential_static`."""
    if not case["valid"] or not case["code"].startswith("EZ1"):
        return []
    prefix, cose_bytes = codec.decode_text(case["code"])
    if prefix != "EZ1":
        return []
    outer = cbor2.loads(cose_bytes)
    outer = outer.value if isinstance(outer, cbor2.CBORTag) else outer
    payload = cbor2.loads(outer[2])
    return [R.BOUND_CREDENTIAL_STATIC] if CLAIM_CNF in payload else []

class _World:
    def __init__(self, seed: str, alg: str = "p256", root_alg: str | None = None):
        if alg not in ALGS or (root_alg is not None and root_alg not in ROOT_ALGS):
            raise ValueError(f"world alg is one of {ALGS}, root alg one of {ROOT_ALGS}")
        self.alg = alg
        self.seed = seed
        sb = seed.encode()
        self.rng = random.Random(_seed_int(seed, "rng"))
        self.now = 1_780_000_000 + (_seed_int(seed, "now") % 200_000) * 100
        now = self.now
        if root_alg is None:
            root_alg = "sm2" if alg == "sm2" else "ed25519" if _seed_int(seed, "root") % 2 == 0 else "p256"
        self.root_alg = root_alg
        self.sm2 = alg == "sm2" or root_alg == "sm2"
        self.root = keys.derive(sb, "root", root_alg)
        ec_ = alg                                    # the kind of every key that is P-256 in the default world
        k = {
            "rc_es": keys.derive(sb, "rc_es", ec_), "rc_ed": keys.derive(sb, "rc_ed", "ed25519"),
            "ec_es": keys.derive(sb, "ec_es", ec_), "rc_old": keys.derive(sb, "rc_old", ec_),
            "rc_revoked": keys.derive(sb, "rc_revoked", ec_), "rc_future": keys.derive(sb, "rc_future", ec_),
            "unknown": keys.derive(sb, "unknown", ec_), "forger": keys.derive(sb, "forger", ec_),
            "forger_ed": keys.derive(sb, "forger_ed", "ed25519"),
            "h_ed": keys.derive(sb, "h_ed", "ed25519"), "h_p256": keys.derive(sb, "h_p256", ec_),
            "h_other": keys.derive(sb, "h_other", "ed25519"), "h_other_p256": keys.derive(sb, "h_other_p256", ec_),
        }
        if self.sm2:
            k.update({"x_sm2": keys.derive(sb, "x_sm2", "sm2"), "x_uid": keys.derive(sb, "x_uid", "sm2"),
                      "x_p256": keys.derive(sb, "x_p256", "p256"), "x_forger": keys.derive(sb, "x_forger", "sm2"),
                      "xh_sm2": keys.derive(sb, "xh_sm2", "sm2"), "xh_other": keys.derive(sb, "xh_other", "sm2"),
                      "xh_p256": keys.derive(sb, "xh_p256", "p256")})
        self.k = k
        self.kid = {name: keys.kid_of(key) for name, key in k.items()}
        span = 400 * DAY
        self.issuers = [
            self._issuer("rc_es", "SD-RC", ["resident"], now - span, now + span, "active"),
            self._issuer("rc_ed", "SD-RC", ["resident"], now - span, now + span, "active"),
            self._issuer("ec_es", "SD-EC", ["enterprise"], now - span, now + span, "active"),
            self._issuer("rc_old", "SD-RC", ["resident"], now - 2 * span, now - 300 * DAY, "active"),
            self._issuer("rc_revoked", "SD-RC", ["resident"], now - span, now + span, "revoked"),
            self._issuer("rc_future", "SD-RC", ["resident"], now + 10 * DAY, now + 2 * span, "active"),
        ]
        if self.sm2:
            self.issuers += [
                self._issuer("x_sm2", "SD-RC", ["resident"], now - span, now + span, "active", name="山东省大数据局"),
                self._issuer("x_uid", "SD-RC", ["resident"], now - span, now + span, "active", uid=SM2_UID,
                             name="山东省公安厅"),
                self._issuer("x_p256", "SD-RC", ["resident"], now - span, now + span, "active"),
            ]
        self.revoked: list[bytes] = []
        self.cases: list[dict] = []
        self.resident = C.resident_ezc(random.Random(_seed_int(seed, "resident")), now=now, senior=True)
        self.enterprise = C.enterprise_ezc(random.Random(_seed_int(seed, "enterprise")), now=now)

    def _issuer(self, label: str, iss: str, typ: list[str], nbf: int, exp: int, status: str, *,
                uid: bytes | None = None, name: str | None = None) -> dict:
        """A trust-list entry for key `label`; `uid` (SM2 ID) and `name` (display name) when given."""
        key = self.k[label]
        e = {"kid": self.kid[label], "iss": iss, "alg": keys.alg_of(key), "spki": keys.spki_der(key),
             "nbf": nbf, "exp": exp, "typ": typ, "status": status}
        if uid is not None:
            e["uid"] = uid
        if name is not None:
            e["name"] = name
        return e

    # ---- building blocks ------------------------------------------------------------------------

    def claims(self, *, iss: str = "SD-RC", typ: str = "resident", holder: str | None = "h_ed",
               iat: int | None = None, exp: int | None = None, nbf: int | None = None, cti: bytes | None = None,
               ezc: dict | None = None, extra: dict | None = None, drop: tuple = ()) -> dict:
        now = self.now
        body = ezc if ezc is not None else dict(self.resident if typ == "resident" else self.enterprise)
        p = C.credential_claims(iss=iss, sub=C.new_sub(self.rng), iat=now - 30 * DAY if iat is None else iat,
                                exp=now + 180 * DAY if exp is None else exp, cti=cti or self.rng.randbytes(12),
                                ezc=body, holder=self.k[holder].public_key() if holder else None, nbf=nbf)
        p.update(extra or {})
        for key in drop:
            p.pop(key, None)
        return p

    def sign(self, payload: Any, key: str, *, kid: bytes | None | str = "auto", alg: Any = None,
             prot_extra: dict | None = None, unprot: dict | None = None, kid_unprotected: bool = False,
             tagged: bool = True, der: bool = False, sm2_id: bytes = sm2.DEFAULT_ID, sig: bytes | None = None) -> bytes:
        """A COSE_Sign1 with full control over headers; `payload` is a map or raw bytes."""
        pk = self.k[key] if isinstance(key, str) else key
        payload_b = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
        alg = keys.alg_of(pk) if alg is None else alg
        prot: dict = {1: alg}
        unp: dict = {}
        if kid == "auto":
            kid = self.kid[key] if isinstance(key, str) else keys.kid_of(pk)
        if kid is not None:
            (unp if kid_unprotected else prot)[4] = kid
        prot.update(prot_extra or {})
        unp.update(unprot or {})
        prot_b = cbor2.dumps(prot)
        tbs = cbor2.dumps(["Signature1", prot_b, b"", payload_b])
        if sig is not None:
            pass
        elif der and isinstance(pk, sm2.PrivateKey):
            sig = sm2.der_signature(cose.raw_sign(pk, alg, tbs, sm2_id=sm2_id))
        elif der:
            sig = pk.sign(tbs, ec.ECDSA(hashes.SHA256()))
        else:
            sig = cose.raw_sign(pk, alg, tbs, sm2_id=sm2_id)
        arr = [prot_b, unp, payload_b, sig]
        return cbor2.dumps(cbor2.CBORTag(18, arr) if tagged else arr)

    def cred(self, key: str = "rc_es", **kw: Any) -> bytes:
        sign_kw = {k: kw.pop(k) for k in ("kid", "alg", "prot_extra", "unprot", "kid_unprotected", "tagged", "der",
                                          "sm2_id", "sig") if k in kw}
        return self.sign(self.claims(**kw), key, **sign_kw)

    def present(self, vc: bytes, holder: str = "h_ed", *, iat: int | None = None, cti: bytes | None = None,
                payload: Any = None, **sign_kw: Any) -> bytes:
        if payload is None:
            payload = C.presentation_payload(vc, self.now - 5 if iat is None else iat, cti or self.rng.randbytes(8))
        sign_kw.setdefault("kid", None)
        return self.sign(payload, holder, **sign_kw)

    def revoke(self, iss: str, cti: bytes) -> None:
        self.revoked.append(revocation_key(iss, cti))

    def add(self, name: str, code: str, reason: str, note: str = "") -> None:
        assert not any(c["name"] == name for c in self.cases), name
        self.cases.append({"name": name, "code": code, "at": self.now, "valid": reason == "ok", "reason": reason,
                           "note": note})

    # ---- the cases ----------------------------------------------------------------------------------

    def build(self) -> None:
        now, add = self.now, self.add
        ez1 = lambda b, z=True: codec.encode_text("EZ1", b, z)     # noqa: E731
        ep1 = lambda b, z=True: codec.encode_text("EP1", b, z)     # noqa: E731

        # --- the shared vectors' cases -----------------------------------------------------------------
        base = self.cred()
        base_text = ez1(base)
        add("resident_es256_ok", base_text, "ok")
        add("resident_ed25519_ok", ez1(self.cred("rc_ed")), "ok")
        add("enterprise_ok", ez1(self.cred("ec_es", iss="SD-EC", typ="enterprise", holder=None)), "ok")
        add("untagged_cose_ok", ez1(self.cred(tagged=False)), "ok")
        add("uncompressed_ok", ez1(self.cred(), False), "ok", "zlib is optional")
        add("kid_unprotected_ok", ez1(self.cred(kid_unprotected=True)), "ok")
        add("unknown_claims_ignored", ez1(self.cred(extra={-70000: "x", 99: [1, 2]})), "ok")
        add("skew_expired_within_300s_ok", ez1(self.cred(exp=now - 120)), "ok")
        add("presentation_ok", ep1(self.present(base)), "ok")
        p256_vc = self.cred(holder="h_p256")
        add("presentation_p256_holder_ok", ep1(self.present(p256_vc, "h_p256")), "ok")
        add("presentation_future_within_30s_ok", ep1(self.present(base, iat=now + 20)), "ok")
        add("not_a_code_url", f"https://example.com/?id={self.rng.randrange(1000)}", "unknown_format")
        add("unknown_prefix", "EZ2:" + base_text[4:], "unknown_format")
        add("empty", "", "unknown_format")
        add("bad_base45_chars", "EZ1:abc#$%", "bad_encoding")
        add("base45_not_zlib_not_cose", "EZ1:" + codec.b45encode(b"hello world, not cbor"), "bad_encoding")
        add("truncated", base_text[: len(base_text) * 11 // 12], "bad_encoding")
        add("cbor_not_cose", ez1(cbor2.dumps({"a": 1})), "bad_encoding")
        bomb = bytes.fromhex("d28443a10126a05a00800000") + bytes(8 * 1024 * 1024)
        add("zlib_bomb", ez1(bomb), "too_large", "8 MiB once inflated")
        add("alg_es384_unsupported", ez1(self.cred(alg=ES384)), "unsupported_algorithm")
        add("unknown_issuer", ez1(self.cred("unknown")), "unknown_issuer")
        add("tampered_payload", ez1(self._tamper(base)), "bad_signature")
        add("alg_mismatch_with_key", ez1(self.cred("forger_ed", kid=self.kid["rc_es"])), "bad_signature",
            "header says EdDSA, trust list key is ES256")
        add("issuer_revoked", ez1(self.cred("rc_revoked")), "issuer_revoked")
        add("issuer_key_expired", ez1(self.cred("rc_old")), "issuer_key_expired")
        add("issuer_not_authorised_typ", ez1(self.cred(typ="enterprise", holder=None)), "issuer_not_authorised")
        add("issuer_not_authorised_iss", ez1(self.cred(iss="SD-EC")), "issuer_not_authorised")
        add("expired", ez1(self.cred(exp=now - 3600)), "expired")
        add("not_yet_valid", ez1(self.cred(nbf=now + 3600)), "not_yet_valid")
        cti = self.rng.randbytes(12)
        self.revoke("SD-RC", cti)
        add("revoked", ez1(self.cred(cti=cti)), "revoked")
        add("presentation_wrong_holder", ep1(self.present(base, "h_other")), "holder_signature_invalid")
        add("presentation_without_cnf", ep1(self.present(self.cred(holder=None))), "holder_signature_invalid")
        add("presentation_stale", ep1(self.present(base, iat=now - 300)), "stale_presentation")
        add("presentation_future", ep1(self.present(base, iat=now + 600)), "stale_presentation")
        add("presentation_of_expired_credential", ep1(self.present(self.cred(exp=now - 3600))), "expired")
        add("presentation_of_forged_credential", ep1(self.present(self.cred("unknown"))), "unknown_issuer")

        # --- step 1-2 edges ----------------------------------------------------------------------------
        add("lowercase_prefix", "ez1:" + base_text[4:], "unknown_format", "the prefix is upper case EZ1")
        add("prefix_only", "EZ1:", "bad_encoding", "empty body: no zlib stream, no COSE")
        add("base45_triplet_out_of_range", "EZ1::::", "bad_encoding", "':::' is 91124 > 65535 (RFC 9285)")
        add("zlib_trailing_garbage", "EZ1:" + codec.b45encode(zlib.compress(base, 9) + b"\x00garbage"),
            "bad_encoding", "bytes after the end of the zlib stream")
        add("zlib_truncated_stream", "EZ1:" + codec.b45encode(zlib.compress(base, 9)[:-6]), "bad_encoding",
            "valid base45 of a zlib stream cut short")
        add("wrong_cbor_tag", ez1(cbor2.dumps(cbor2.CBORTag(98, cbor2.loads(base).value))), "bad_encoding",
            "tag 98 (COSE_Sign) instead of 18")
        arr = cbor2.loads(base).value
        add("cose_array_of_five", ez1(cbor2.dumps(cbor2.CBORTag(18, list(arr) + [b""]))), "bad_encoding")
        add("protected_header_not_map", ez1(cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps([1, -7])] + list(arr[1:])))),
            "bad_encoding", "protected bstr holds an array")
        add("unprotected_header_not_map", ez1(cbor2.dumps(cbor2.CBORTag(18, [arr[0], [4], arr[2], arr[3]]))),
            "bad_encoding")
        add("payload_not_cbor", ez1(self.sign(b"\xff\xfe not cbor", "rc_es")), "bad_encoding",
            "validly signed, payload bytes are not CBOR")
        add("payload_not_map", ez1(self.sign(cbor2.dumps([1, 2, 3]), "rc_es")), "bad_encoding",
            "validly signed, payload is an array")
        add("cti_4_bytes", ez1(self.cred(cti=self.rng.randbytes(4))), "bad_encoding", "cti must be 8-32 bytes")
        add("cti_33_bytes", ez1(self.cred(cti=self.rng.randbytes(33))), "bad_encoding", "cti must be 8-32 bytes")
        add("cti_8_bytes_ok", ez1(self.cred(cti=self.rng.randbytes(8))), "ok")
        add("cti_32_bytes_ok", ez1(self.cred(cti=self.rng.randbytes(32))), "ok")
        add("missing_exp", ez1(self.cred(drop=(C.CLAIM_EXP,))), "bad_encoding", "exp is required")
        add("missing_ezc", ez1(self.cred(drop=(C.CLAIM_EZC,))), "bad_encoding", "ezc is required")
        big = self._sized_credential(MAX)
        add("body_exactly_16k_ok", ez1(big), "ok", "the COSE body is exactly 16384 bytes (the limit)")
        add("uncompressed_exactly_16k_ok", ez1(big, False), "ok", "uncompressed, exactly 16384 bytes")
        over = self._sized_credential(MAX + 1)
        add("compressed_16k_plus_1", ez1(over), "too_large", "a validly signed body of 16385 bytes")
        add("uncompressed_16k_plus_1", ez1(over, False), "too_large", "uncompressed body of 16385 bytes")

        # --- step 3-5 ------------------------------------------------------------------------------------
        add("alg_ps256_in_ez1", ez1(self.cred(alg=cose.PS256)), "unsupported_algorithm", "PS256 is for HC1 only")
        add("alg_text_es256", ez1(self.cred(alg="ES256")), "unsupported_algorithm", "alg must be the integer -7")
        add("unsupported_alg_before_unknown_kid", ez1(self.cred("unknown", alg=ES384)), "unsupported_algorithm",
            "step 3 precedes step 4")
        add("kid_absent", ez1(self.cred(kid=None)), "unknown_issuer", "no kid in either header")
        add("kid_both_headers_protected_wins_ok", ez1(self.cred(unprot={4: self.kid["unknown"]})), "ok",
            "protected kid is listed, unprotected kid is not")
        add("kid_both_headers_protected_unknown", ez1(self.cred("rc_es", kid=self.kid["unknown"],
                                                               unprot={4: self.kid["rc_es"]})), "unknown_issuer",
            "protected kid is not listed; the listed unprotected kid must not be used")
        add("signed_by_root_key", ez1(self.cred(self.root)), "unknown_issuer", "the trust-list key is no issuer")
        add("forged_same_kid", ez1(self.cred("forger", kid=self.kid["rc_es"])), "bad_signature",
            "another P-256 key under the real kid and alg")
        add("es256_der_signature", ez1(self.cred(der=True)), "bad_signature",
            "ES256 signature in DER instead of raw r||s")
        add("protected_header_altered", ez1(self._alter_protected(base)), "bad_signature",
            "a header added to the protected bstr after signing")
        add("issuer_revoked_bad_signature", ez1(self.cred("forger", kid=self.kid["rc_revoked"])), "bad_signature",
            "step 5 precedes step 6")

        # --- step 6-8 ------------------------------------------------------------------------------------
        add("issuer_key_not_yet_valid", ez1(self.cred("rc_future")), "issuer_key_expired",
            "the key's nbf is after the credential's iat")
        add("issuer_revoked_and_expired", ez1(self.cred("rc_revoked", exp=now - 3600)), "issuer_revoked",
            "step 6 precedes step 7")
        add("issuer_not_authorised_unknown_typ", ez1(self.cred(ezc={**self.resident, "typ": "visitor"})),
            "issuer_not_authorised", "ezc.typ not in the key's typ list")
        add("nbf_within_skew_ok", ez1(self.cred(nbf=now + 120)), "ok")
        add("nbf_at_skew_boundary_ok", ez1(self.cred(nbf=now + 300)), "ok", "nbf exactly now + 300")
        add("nbf_past_skew", ez1(self.cred(nbf=now + 301)), "not_yet_valid", "nbf now + 301")
        add("exp_equals_now_ok", ez1(self.cred(exp=now)), "ok")
        add("exp_at_skew_boundary_ok", ez1(self.cred(exp=now - 300)), "ok", "exp exactly now - 300")
        add("expired_by_skew_plus_1", ez1(self.cred(exp=now - 301)), "expired", "exp now - 301")
        cti = self.rng.randbytes(12)
        self.revoke("SD-RC", cti)
        add("expired_and_revoked", ez1(self.cred(cti=cti, exp=now - 3600)), "expired", "step 7 precedes step 8")
        cti = self.rng.randbytes(12)
        self.revoke("SD-RC", cti)
        add("not_yet_valid_and_revoked", ez1(self.cred(cti=cti, nbf=now + 3600)), "not_yet_valid")
        cti = self.rng.randbytes(12)
        self.revoke("SD-RC", cti)
        add("revoked_cti_other_issuer_ok", ez1(self.cred("ec_es", iss="SD-EC", typ="enterprise", cti=cti)), "ok",
            "the same cti is revoked for SD-RC only: entries hash iss and cti")
        add("unknown_cert_type_ok", ez1(self.cred(ezc={**self.resident, "certs": list(self.resident["certs"]) + [
            {"t": "fishing_licence", "no": "YB-****-17", "exp": now + 300 * DAY}]})), "ok",
            "an unknown cert t is shown raw")
        add("unknown_ezc_keys_ok", ez1(self.cred(ezc={**self.resident, "photo": b"\x01\x02", "x-note": "hi"})), "ok")
        add("minimal_claims_ok", ez1(self.cred(holder=None, ezc={"v": 1, "typ": "resident", "name": "王*",
                                                                   "idm": "3702**********0012"})), "ok",
            "no nbf, cnf, age or certs")
        add("expired_linked_cert_ok", ez1(self.cred(ezc={**self.resident, "certs": [
            {"t": "driving_licence", "no": "3701**********1234", "exp": now - 30 * DAY}]})), "ok",
            "a linked certificate's own expiry does not invalidate the code")

        # --- EP1 -------------------------------------------------------------------------------------------
        add("presentation_at_max_age_ok", ep1(self.present(base, iat=now - 60)), "ok", "iat exactly now - 60")
        add("presentation_max_age_plus_1", ep1(self.present(base, iat=now - 61)), "stale_presentation")
        add("presentation_future_at_30_ok", ep1(self.present(base, iat=now + 30)), "ok", "iat exactly now + 30")
        add("presentation_future_31", ep1(self.present(base, iat=now + 31)), "stale_presentation")
        add("presentation_untagged_ok", ep1(self.present(self.cred(tagged=False), tagged=False)), "ok")
        add("presentation_uncompressed_ok", ep1(self.present(base), False), "ok")
        add("presentation_enterprise_ok", ep1(self.present(
            self.cred("ec_es", iss="SD-EC", typ="enterprise", holder="h_p256"), "h_p256")), "ok")
        add("presentation_cti_16_bytes_ok", ep1(self.present(base, cti=self.rng.randbytes(16))), "ok")
        add("presentation_cti_20_bytes", ep1(self.present(base, cti=self.rng.randbytes(20))), "bad_encoding",
            "presentation cti must be 8-16 bytes")
        add("presentation_cti_7_bytes", ep1(self.present(base, cti=self.rng.randbytes(7))), "bad_encoding")
        add("presentation_missing_vc", ep1(self.present(base, payload={6: now - 5, 7: self.rng.randbytes(8)})),
            "bad_encoding")
        add("presentation_missing_iat", ep1(self.present(base, payload={7: self.rng.randbytes(8), -65538: base})),
            "bad_encoding")
        add("presentation_payload_not_map", ep1(self.present(base, payload=[now - 5, self.rng.randbytes(8), base])),
            "bad_encoding")
        add("presentation_vc_compressed", ep1(self.present(zlib.compress(base, 9))), "bad_encoding",
            "vc must be the COSE_Sign1 itself, not zlib")
        add("presentation_prefix_on_credential", "EP1:" + base_text[4:], "bad_encoding",
            "an EZ1 body behind EP1: has no vc")
        add("presentation_alg_es384", ep1(self.present(base, alg=ES384)), "holder_signature_invalid",
            "a presentation alg other than ES256/EdDSA")
        add("presentation_eddsa_for_p256_cnf", ep1(self.present(p256_vc, "h_ed")), "holder_signature_invalid",
            "EdDSA presentation, the cnf key is P-256")
        add("presentation_es256_for_ed25519_cnf", ep1(self.present(base, "h_other_p256")),
            "holder_signature_invalid", "ES256 presentation, the cnf key is Ed25519")
        add("presentation_stale_and_wrong_holder", ep1(self.present(base, "h_other", iat=now - 600)),
            "holder_signature_invalid", "holder signature is checked before freshness")
        add("presentation_inner_tampered", ep1(self.present(self._tamper(base))), "bad_signature")
        add("presentation_inner_es384", ep1(self.present(self.cred(alg=ES384))), "unsupported_algorithm")
        add("presentation_inner_issuer_not_authorised", ep1(self.present(self.cred(iss="SD-EC"))),
            "issuer_not_authorised")
        add("presentation_of_issuer_revoked", ep1(self.present(self.cred("rc_revoked"))), "issuer_revoked")
        add("presentation_of_not_yet_valid", ep1(self.present(self.cred(nbf=now + 3600))), "not_yet_valid")
        cti = self.rng.randbytes(12)
        self.revoke("SD-RC", cti)
        add("presentation_of_revoked_and_stale", ep1(self.present(self.cred(cti=cti), iat=now - 600)), "revoked",
            "step 8 precedes step 9")
        if self.sm2:
            self.build_sm2()

    def build_sm2(self) -> None:
        """SM2 cases (spec sections 1, 4, 8): IDs, alg binding both ways, SM2 holder keys."""
        now, add = self.now, self.add
        ez1 = lambda b, z=True: codec.encode_text("EZ1", b, z)     # noqa: E731
        ep1 = lambda b, z=True: codec.encode_text("EP1", b, z)     # noqa: E731
        kid = self.kid
        vc = self.cred("x_sm2", holder="xh_sm2")
        add("sm2_issuer_ok", ez1(vc), "ok", "SM2 issuer entry, default ID 1234567812345678")
        add("sm2_uid_issuer_ok", ez1(self.cred("x_uid", sm2_id=SM2_UID)), "ok",
            "SM2 issuer entry with a uid: Z_A over that ID")
        add("sm2_uid_issuer_signed_with_default_id", ez1(self.cred("x_uid")), "bad_signature",
            "the entry has a uid; the signature used the default ID")
        add("sm2_default_id_issuer_signed_with_uid", ez1(self.cred("x_sm2", sm2_id=SM2_UID)), "bad_signature",
            "the entry has no uid (default ID); the signature used another ID")
        add("sm2_signature_under_es256_entry", ez1(self.cred("x_sm2", kid=kid["x_p256"])), "bad_signature",
            "alg SM2 under a kid whose entry is ES256")
        add("es256_signature_under_sm2_entry", ez1(self.cred("x_p256", kid=kid["x_sm2"])), "bad_signature",
            "alg ES256 under a kid whose entry is SM2")
        add("sm2_header_says_es256", ez1(self.cred("x_sm2", alg=cose.ES256)), "bad_signature",
            "an SM2 signature labelled ES256 under the SM2 entry")
        add("es256_issuer_beside_sm2_ok", ez1(self.cred("x_p256")), "ok")
        add("sm2_forged_same_kid", ez1(self.cred("x_forger", kid=kid["x_sm2"])), "bad_signature",
            "another SM2 key under the real kid and alg")
        add("sm2_der_signature", ez1(self.cred("x_sm2", der=True)), "bad_signature",
            "SM2 signature in DER instead of raw r||s")
        add("sm2_signature_r_zero", ez1(self.cred("x_sm2", sig=bytes(32) + b"\x01" * 32)), "bad_signature",
            "r = 0 is outside [1, n-1]")
        add("sm2_signature_s_is_n", ez1(self.cred("x_sm2", sig=b"\x01" * 32 + sm2.N.to_bytes(32, "big"))),
            "bad_signature", "s = n is outside [1, n-1]")
        add("sm2_tampered_payload", ez1(self._tamper(vc)), "bad_signature")
        add("presentation_sm2_holder_ok", ep1(self.present(vc, "xh_sm2")), "ok", "SM2 issuer, SM2 holder key")
        add("presentation_sm2_holder_under_es256_issuer_ok",
            ep1(self.present(self.cred("x_p256", holder="xh_sm2"), "xh_sm2")), "ok")
        add("presentation_sm2_holder_under_ed25519_issuer_ok",
            ep1(self.present(self.cred("rc_ed", holder="xh_sm2"), "xh_sm2")), "ok")
        add("presentation_sm2_wrong_holder", ep1(self.present(vc, "xh_other")), "holder_signature_invalid",
            "another SM2 key signed the presentation")
        add("presentation_es256_for_sm2_cnf", ep1(self.present(vc, "xh_p256")), "holder_signature_invalid",
            "ES256 presentation, the cnf key is SM2")
        add("presentation_sm2_for_p256_cnf", ep1(self.present(self.cred("x_sm2", holder="xh_p256"), "xh_sm2")),
            "holder_signature_invalid", "SM2 presentation, the cnf key is P-256")
        add("presentation_sm2_for_ed25519_cnf", ep1(self.present(self.cred("x_sm2", holder="h_ed"), "xh_sm2")),
            "holder_signature_invalid", "SM2 presentation, the cnf key is Ed25519")
        add("presentation_sm2_holder_with_uid", ep1(self.present(vc, "xh_sm2", sm2_id=SM2_UID)),
            "holder_signature_invalid", "holder keys always use the default ID")
        bad_point = {1: 2, -1: cose.CRV_SM2, -2: b"\x01" * 32, -3: b"\x02" * 32}
        off_curve = self.claims(holder=None)
        off_curve[C.CLAIM_CNF] = {1: bad_point}
        add("presentation_sm2_cnf_not_on_curve", ep1(self.present(self.sign(off_curve, "x_sm2"), "xh_sm2")),
            "holder_signature_invalid", "the cnf point is not on sm2p256v1")
        add("presentation_sm2_inner_tampered", ep1(self.present(self._tamper(vc), "xh_sm2")), "bad_signature")

    def _tamper(self, cose_bytes: bytes) -> bytes:
        """Change the holder's name in the signed payload, keeping the signature."""
        tag = cbor2.loads(cose_bytes)
        prot_b, unprot, payload_b, sig = tag.value
        p = cbor2.loads(payload_b)
        ezc = dict(p[C.CLAIM_EZC])
        ezc["name"] = ("李" if not ezc["name"].startswith("李") else "王") + ezc["name"][1:]
        p = {k: (ezc if k == C.CLAIM_EZC else v) for k, v in p.items()}
        return cbor2.dumps(cbor2.CBORTag(18, [prot_b, dict(unprot), cbor2.dumps(p), sig]))

    def _alter_protected(self, cose_bytes: bytes) -> bytes:
        prot_b, unprot, payload_b, sig = cbor2.loads(cose_bytes).value
        prot = dict(cbor2.loads(prot_b))
        prot[3] = "application/cwt"
        return cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(prot), dict(unprot), payload_b, sig]))

    def _sized_credential(self, size: int) -> bytes:
        """A validly signed ES256 credential whose COSE bytes are exactly `size` long (padding claim)."""
        cti = self.rng.randbytes(12)
        pad = size - 600
        for _ in range(8):
            out = self.cred(cti=cti, extra={-70001: bytes(pad)})
            if len(out) == size:
                return out
            pad += size - len(out)
        raise AssertionError("could not hit the size")

    # ---- output -------------------------------------------------------------------------------------

    def trust_list(self) -> dict:
        return {"v": 1, "seq": 1 + _seed_int(self.seed, "tlseq") % 90, "iat": self.now - DAY,
                "next": self.now + 2 * DAY, "issuers": self.issuers}

    def revocations(self) -> dict:
        filler = [self.rng.randbytes(16) for _ in range(48)]
        return {"v": 1, "seq": 1 + _seed_int(self.seed, "rlseq") % 90, "iat": self.now - DAY,
                "next": self.now + 2 * DAY, "entries": sorted(set(self.revoked + filler))}

    def sign_root(self, payload: dict) -> bytes:
        return cose.sign1(cbor2.dumps(payload), self.root, kid=keys.kid_of(self.root))


def build_world(out_dir: Path, seed: str | int = "public", *, images: bool = True, alg: str = "p256",
                root_alg: str | None = None) -> dict:
    """Write a conformance world into `out_dir` (replacing a previous world there); return a summary.

    alg: "p256" (today's world) or "sm2" (SM2 keys where today's has P-256 ones); root_alg:
    "ed25519", "p256" or "sm2" (default: chosen by the seed, SM2 for an SM2 world)."""
    seed = str(seed)
    out_dir = Path(out_dir)
    w = _World(seed, alg, root_alg)
    w.build()
    out_dir.mkdir(parents=True, exist_ok=True)
    img = out_dir / "img"
    if img.exists():
        shutil.rmtree(img)
    img.mkdir()
    (out_dir / "root.pem").write_bytes(keys.public_pem(w.root))
    (out_dir / "trust-list.cose").write_bytes(w.sign_root(w.trust_list()))
    (out_dir / "revocations.cose").write_bytes(w.sign_root(w.revocations()))
    for case in w.cases:
        if images and write_png(case["code"], img / f"{case['name']}.png"):
            case["image"] = f"img/{case['name']}.png"
    doc = {"spec": "credential-format.md v1", "seed": seed, "now": w.now, "root_pem": "root.pem",
           "trust_list": "trust-list.cose", "revocations": "revocations.cose", "cases": w.cases}
    (out_dir / "cases.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out_dir / "README.md").write_text(_README.format(seed=seed, n=len(w.cases), alg=w.alg, root_alg=w.root_alg),
                                       encoding="utf-8")
    return {"dir": str(out_dir), "seed": seed, "now": w.now, "cases": len(w.cases),
            "images": sum(1 for c in w.cases if "image" in c), "alg": w.alg, "root_alg": w.root_alg}


_README = """# Conformance world (seed {seed!r}, {n} cases)

Built by `venue-issuer world` the same way as shared/spec/vectors: fresh keys from the seed.
Keys: `{alg}` where the default world has P-256 keys, root `{root_alg}` (an SM2 world keeps the
default world's case names: `resident_es256_ok` is SM2-signed there, and adds `sm2_*` cases).

- `root.pem`: the platform's trust-list key (pin it).
- `trust-list.cose`, `revocations.cose`: signed trust data (raw COSE_Sign1 bytes).
- `cases.json`: `now`, and `cases`, each with `name`, `code` (the QR text), `at` (verify as of
  this time), `valid`, `reason` (the reason code the spec demands), `note`, and `image` (a PNG
  of the QR code, relative to this folder) where the code fits in a QR symbol.
- `img/`: the QR images.

Every case is independent: verify it against a fresh terminal state holding this trust list
and revocation list, at time `at`, with the default policy.
"""
