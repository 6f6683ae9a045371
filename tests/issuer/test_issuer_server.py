"""`venue-issuer serve` as a real process on 127.0.0.1: the spec's API, auth, and every fault mode.

One server per module (platform_server); faults are cleared after each test. The CLI runs as
separate processes against the same directory while the server runs, as an operator would.
"""
from __future__ import annotations

import time
import uuid
from email.utils import parsedate_to_datetime

import cbor2
import pytest
import requests

from issuer_helpers import cli_json, cli_main, lines, snapshot_of
from terminal import cose, trust, verify
from vocab.spec import revocation_key


@pytest.fixture(autouse=True)
def _clean_faults(platform_server):
    yield
    if platform_server.running:
        platform_server.clear_faults()


def get(h, path, **kw):
    kw.setdefault("timeout", 10)
    headers = {**h.auth, **kw.pop("headers", {})}
    return requests.get(h.url + path, headers=headers, **kw)


def _event(terminal="T-1", **over):
    ev = {"id": str(uuid.uuid4()), "ts": "2026-11-29T03:00:00.123Z", "terminal": terminal, "venue": "V-1",
          "mode": "gate", "profile": "EZ1", "typ": "resident", "valid": True, "reason": "ok",
          "issuer": "0a1b2c3d4e5f6071", "holder_ref": "cd" * 16, "policy": "default", "prev": "0" * 64,
          "hash": "e" * 64}
    ev.update(over)
    return ev


def post_events(h, events, terminal="T-1", **kw):
    kw.setdefault("timeout", 10)
    return requests.post(h.url + "/v1/scan-events", headers=h.auth, json={"terminal": terminal, "events": events}, **kw)


@pytest.mark.parametrize("path", ["/v1/trust-list", "/v1/revocations?since=0"])
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_api_refuses_without_the_token(platform_server, path, auth):
    headers = {"Authorization": auth} if auth else {}
    r = requests.get(platform_server.url + path, headers=headers, timeout=10)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = requests.post(platform_server.url + "/v1/scan-events", headers=headers, json={"terminal": "x", "events": []},
                      timeout=10)
    assert r.status_code == 401


def test_admin_api_needs_the_admin_token(platform_server):
    r = requests.post(platform_server.url + "/_admin/faults", json={"delay_seconds": 5}, headers=platform_server.auth,
                      timeout=10)
    assert r.status_code == 401
    assert platform_server.faults() == {}
    r = requests.post(platform_server.url + "/_admin/faults", json={"no_such_fault": 1}, timeout=10,
                      headers={"Authorization": f"Bearer {platform_server.admin_token}"})
    assert r.status_code == 400 and "no_such_fault" in r.json()["error"]


def test_trust_list_etag_and_304(platform_server):
    r = get(platform_server, "/v1/trust-list")
    assert r.status_code == 200 and r.headers["content-type"] == "application/cose"
    etag = r.headers["etag"]
    root = trust.load_root_key(platform_server.root_pem.read_bytes())
    assert trust.parse_trust_list(trust.verify_signed(r.content, root)).issuers
    r2 = get(platform_server, "/v1/trust-list", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["etag"] == etag
    r3 = get(platform_server, "/v1/trust-list", headers={"If-None-Match": '"0-stale"'})
    assert r3.status_code == 200 and r3.content == r.content
    assert parsedate_to_datetime(r.headers["date"]).timestamp() == pytest.approx(time.time(), abs=5)


def test_minted_codes_verify_against_the_served_trust_data(platform_server, tmp_path, capsys):
    out = tmp_path / "codes.txt"
    cli_json("mint", str(platform_server.dir), "--type", "resident", "--senior", "--count", "2", "--out", str(out))
    dyn = tmp_path / "dyn.txt"
    at = int(time.time())
    cli_main(capsys, "mint", str(platform_server.dir), "--type", "enterprise", "--dynamic", "--at", str(at), "--out", str(dyn))
    revoked = tmp_path / "revoked.txt"
    cli_main(capsys, "mint", str(platform_server.dir), "--type", "resident", "--revoked", "--out", str(revoked))
    snap = snapshot_of(platform_server.root_pem.read_bytes(), get(platform_server, "/v1/trust-list").content,
                       get(platform_server, "/v1/revocations?since=0").content)
    for code in lines(out) + lines(dyn):
        v = verify.verify(code, snap, at + 20)
        assert v.valid, (v.reason, v.detail)
    assert verify.verify(lines(dyn)[0], snap, at + 20).profile == "EP1"
    assert verify.verify(lines(revoked)[0], snap, at).reason == "revoked"


def test_revocations_full_delta_and_empty_delta_follow_the_cli(platform_server, tmp_path, capsys):
    root = trust.load_root_key(platform_server.root_pem.read_bytes())

    def fetch(since):
        r = get(platform_server, f"/v1/revocations?since={since}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/cose"
        return trust.parse_revocations(trust.verify_signed(r.content, root))

    full = fetch(0)
    assert isinstance(full, trust.RevocationList)
    out = tmp_path / "c.txt"
    minted = cli_main(capsys, "mint", str(platform_server.dir), "--type", "resident", "--count", "2", "--out", str(out))
    a, b = (bytes.fromhex(c["cti"]) for c in minted["codes"])
    r1 = cli_main(capsys, "revoke", str(platform_server.dir), a.hex())
    r2 = cli_main(capsys, "revoke", str(platform_server.dir), b.hex())
    r3 = cli_main(capsys, "unrevoke", str(platform_server.dir), a.hex())
    assert (r1["seq"], r2["seq"], r3["seq"]) == (full.seq + 1, full.seq + 2, full.seq + 3)
    delta = fetch(full.seq)
    assert isinstance(delta, trust.RevocationDelta) and delta.from_seq == full.seq and delta.seq == full.seq + 3
    assert delta.add == (revocation_key("SD-RC", b),) and delta.remove == ()
    delta = fetch(full.seq + 1)
    assert delta.add == (revocation_key("SD-RC", b),) and delta.remove == (revocation_key("SD-RC", a),)
    empty = fetch(full.seq + 3)
    assert isinstance(empty, trust.RevocationDelta) and empty.add == () == empty.remove
    ahead = fetch(full.seq + 50)
    assert isinstance(ahead, trust.RevocationList) and ahead.entries == frozenset(full.entries) | set(delta.add)
    assert get(platform_server, "/v1/revocations").headers["x-revocations"] == "full"
    for bad in ("-1", "abc", "1.5"):
        assert get(platform_server, f"/v1/revocations?since={bad}").status_code == 400


def test_scan_events_accepted_once_and_duplicates_reported(platform_server, capsys):
    a, b = _event(), _event(valid=False, reason="expired")
    r = post_events(platform_server, [a, b])
    assert r.status_code == 200 and r.json() == {"accepted": [a["id"], b["id"]], "duplicates": []}
    c = _event()
    r = post_events(platform_server, [b, c])
    assert r.json() == {"accepted": [c["id"]], "duplicates": [b["id"]]}
    stored = cli_main(capsys, "events", str(platform_server.dir), "--json")
    ids = [e["id"] for e in stored]
    assert ids.count(a["id"]) == ids.count(b["id"]) == ids.count(c["id"]) == 1
    assert next(e for e in stored if e["id"] == b["id"]) == b


@pytest.mark.parametrize("body", [b"not json", b'{"terminal": "T-1"}', b'[1, 2]'])
def test_scan_events_malformed_bodies_are_400(platform_server, body):
    r = requests.post(platform_server.url + "/v1/scan-events", data=body, timeout=10,
                      headers={**platform_server.auth, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]


def test_scan_events_with_personal_data_are_refused_whole(platform_server):
    good, bad = _event(), _event(name="张*三")
    r = post_events(platform_server, [good, bad])
    assert r.status_code == 400 and "unknown field(s) for a scan event: name" in r.json()["error"]
    assert good["id"] not in {e["id"] for e in platform_server.events()}


def test_fault_500_after_one_good_upload_then_clears_itself(platform_server):
    platform_server.set_faults(fail_next_upload_with=500, fail_upload_after=1)
    first, second, third = _event(), _event(), _event()
    assert post_events(platform_server, [first]).status_code == 200
    r = post_events(platform_server, [second])
    assert r.status_code == 500
    stored = {e["id"] for e in platform_server.events()}
    assert first["id"] in stored and second["id"] not in stored
    assert post_events(platform_server, [second, third]).json()["accepted"] == [second["id"], third["id"]]
    assert platform_server.faults() == {}


def test_fault_connection_cut_after_commit(platform_server):
    platform_server.set_faults(after_commit_drop_connection=True)
    ev = _event()
    # requests reports the cut as IncompleteRead (the status line and headers arrived, the body did not)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post_events(platform_server, [ev])
    assert ev["id"] in {e["id"] for e in platform_server.events()}     # committed before the cut
    r = post_events(platform_server, [ev])                              # the retry: a duplicate, not a second copy
    assert r.json() == {"accepted": [], "duplicates": [ev["id"]]}


def test_fault_delay_beats_a_client_timeout(platform_server):
    platform_server.set_faults(delay_seconds=0.8)
    with pytest.raises(requests.exceptions.ReadTimeout):
        get(platform_server, "/v1/trust-list", timeout=0.2)
    platform_server.set_faults(delay_seconds=None)
    assert get(platform_server, "/v1/trust-list", timeout=5).status_code == 200


def test_trust_list_fault_modes(platform_server):
    root = trust.load_root_key(platform_server.root_pem.read_bytes())
    good = get(platform_server, "/v1/trust-list").content
    seq = trust.parse_trust_list(trust.verify_signed(good, root)).seq

    platform_server.set_faults(trust_list_mode="rollback")
    rolled = get(platform_server, "/v1/trust-list")
    assert "etag" not in rolled.headers
    assert trust.parse_trust_list(trust.verify_signed(rolled.content, root)).seq == seq - 1

    platform_server.set_faults(trust_list_mode="bad_signature")
    with pytest.raises(trust.TrustDataError, match="signature"):
        trust.verify_signed(get(platform_server, "/v1/trust-list").content, root)

    platform_server.set_faults(trust_list_mode="truncated")
    r = get(platform_server, "/v1/trust-list")
    assert r.status_code == 200 and r.content == good[: len(good) // 2]
    with pytest.raises(trust.TrustDataError):
        trust.verify_signed(r.content, root)

    platform_server.set_faults(trust_list_mode="cut")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(platform_server, "/v1/trust-list")

    platform_server.set_faults(trust_list_mode="wrong_content_type")
    r = get(platform_server, "/v1/trust-list")
    assert r.headers["content-type"].startswith("text/html") and r.content == good

    platform_server.set_faults(trust_list_mode="captive_portal")
    r = get(platform_server, "/v1/trust-list")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and b"<html" in r.content

    platform_server.set_faults(trust_list_mode="server_error")
    assert get(platform_server, "/v1/trust-list").status_code == 503

    platform_server.set_faults(trust_list_mode="normal", revocations_mode="bad_signature")
    assert get(platform_server, "/v1/trust-list").content == good
    with pytest.raises(trust.TrustDataError):
        trust.verify_signed(get(platform_server, "/v1/revocations?since=0").content, root)


def test_revocations_rollback_is_a_validly_signed_older_full_list(platform_server):
    root = trust.load_root_key(platform_server.root_pem.read_bytes())
    cur = trust.parse_revocations(trust.verify_signed(get(platform_server, "/v1/revocations?since=0").content, root))
    platform_server.set_faults(revocations_mode="rollback")
    since = cur.seq - 1
    old = trust.parse_revocations(trust.verify_signed(get(platform_server, f"/v1/revocations?since={since}").content,
                                                      root))
    assert old.seq == cur.seq - 1


def test_clock_offset_shifts_the_date_header(platform_server):
    platform_server.set_faults(clock_offset=-7200)
    r = get(platform_server, "/v1/trust-list")
    assert parsedate_to_datetime(r.headers["date"]).timestamp() == pytest.approx(time.time() - 7200, abs=5)
    assert len(r.raw.headers.getlist("date")) == 1          # ours replaces uvicorn's, never a second one


def test_restart_on_the_same_port_keeps_the_state(platform_server):
    ev = _event()
    post_events(platform_server, [ev])
    url = platform_server.url
    platform_server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        post_events(platform_server, [_event()], timeout=2)
    platform_server.restart()
    assert platform_server.url == url
    assert post_events(platform_server, [ev]).json()["duplicates"] == [ev["id"]]


def test_served_documents_are_cose_sign1_under_the_root_kid(platform_server):
    r = get(platform_server, "/v1/trust-list")
    msg = cose.parse_sign1(r.content)
    assert msg.kid == bytes.fromhex(platform_server.platform.meta("root_kid"))
    assert set(cbor2.loads(msg.payload)) == {"v", "seq", "iat", "next", "issuers"}


def test_serve_https_with_a_pilot_ca(tmp_path):
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from issuer.testing import start_server

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("Pilot CA")).issuer_name(name("Pilot CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(ca_key, hashes.SHA256()))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    with start_server(tmp_path / "plat", tls=(tmp_path / "cert.pem", tmp_path / "key.pem")) as h:
        assert h.url.startswith("https://127.0.0.1:")
        r = requests.get(h.url + "/v1/trust-list", headers=h.auth, verify=str(tmp_path / "ca.pem"), timeout=10)
        assert r.status_code == 200 and r.headers["content-type"] == "application/cose"
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(h.url + "/v1/trust-list", headers=h.auth, timeout=10)     # system CAs: refused
