"""EU DCC trust from the platform (spec v2 section 6, GET /v1/dcc-trust; issue 17, issue 11 defect 5):
`venue-issuer dcc DIR add CERT --country XX` feeds a list signed by the trust-list key; a real
`venue-issuer serve` on 127.0.0.1 serves it (ETag / 304, fault modes); an enrolled terminal
(`venue-terminal enroll`) syncs it, refuses a rollback, a bad signature and an oversized answer,
keeps the last good list, and its HC1 path verifies codes with it (real DSCs minted here, real
signatures), beside DSCs from the `dcc_trust` setting's file.
"""
from __future__ import annotations

import base64
import json
import os
import time

import cbor2
import pytest

from cache import Store
from issuer import dcc as platform_dcc
from issuer.cli import main as issuer_main
from issuer.platform import Platform, PlatformError
from issuer.testing import prepare_server
from terminal import hc1
from terminal.cli import main as terminal_main
from terminal.ports import Signed, SyncNotPublished
from terminal.service import TerminalService
from terminal.settings import SETTINGS_FILE, Settings
from terminal.sync import COSE_TYPE, Syncer
from terminal.trust import load_root_key, verify_signed
from vocab import reasons as R

from . import hc1kit as K

DE_KEY, FR_KEY = K.key("ec", 11), K.key("ec", 12)
NOW = int(time.time())                   # the server's documents are issued at the real time


def dsc(priv, country: str) -> bytes:
    return K.make_dsc(priv, country=country, nb=NOW - 400 * K.DAY, na=NOW + 400 * K.DAY)


DE, FR = dsc(DE_KEY, "DE"), dsc(FR_KEY, "FR")


def claims(**kw) -> dict:
    return K.claims(**{"iat": NOW - K.DAY, "exp": NOW + 30 * K.DAY, **kw})


def payload_of(plat: Platform, raw: bytes) -> dict:
    return dict(verify_signed(raw, load_root_key(plat.root_pem_path.read_bytes())))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("dccplat") / "platform"
    handle = prepare_server(root)
    pem = root.parent / "de.pem"
    pem.write_bytes(K.pem(DE))
    assert issuer_main(["dcc", str(root), "add", str(pem), "--country", "DE"]) == 0
    handle.start()
    yield handle
    handle.stop()


@pytest.fixture
def home(server, tmp_path, capsys):
    server.clear_faults()
    h = tmp_path / "home"
    code = server.platform.add_terminal_code("V-dcc")
    rc = terminal_main(["--home", str(h), "enroll", "--platform", server.url, f"--code={code}",
                        "--root-key", str(server.root_pem), "--venue", "V-dcc"])
    assert rc == 0, capsys.readouterr()
    yield h
    server.clear_faults()


def held(home) -> int | None:
    with Store.open(home) as s:
        return s.dcc_trust.held_seq()


def scan(home, text: str, now: int = NOW):
    with TerminalService.from_home(home, clock=lambda: now) as svc:
        return svc.scan(text)


# ---- the platform side ---------------------------------------------------------------------------------

def test_the_platform_signs_a_list_of_dscs_by_country(tmp_path):
    plat, _ = Platform.init(tmp_path / "p", now=NOW)
    first = platform_dcc.current(plat, NOW)
    assert payload_of(plat, first.cose) == {"v": 1, "seq": 1, "iat": NOW, "next": first.next, "dscs": []}
    rows = platform_dcc.add_dsc(plat, K.pem(DE) + K.pem(FR), "DE", now=NOW + 1)
    assert [r["kid_hex"] for r in rows] == [hc1.dsc_kid(DE).hex(), hc1.dsc_kid(FR).hex()]
    doc = platform_dcc.current(plat, NOW + 1)
    p = payload_of(plat, doc.cose)
    assert p["seq"] == 2 and p["next"] > p["iat"] == NOW + 1
    assert {(e["kid"], e["country"], e["cert"]) for e in p["dscs"]} == \
           {(hc1.dsc_kid(DE), "DE", DE), (hc1.dsc_kid(FR), "DE", FR)}
    platform_dcc.add_dsc(plat, K.pem(DE), "DE")                       # already there: nothing new
    assert platform_dcc.current(plat).seq == 2
    platform_dcc.add_dsc(plat, FR, "FR")                                 # DER; its country corrected
    platform_dcc.remove_dsc(plat, base64.b64encode(hc1.dsc_kid(DE)).decode())
    p = payload_of(plat, platform_dcc.current(plat).cose)
    assert p["seq"] == 4 and [(e["country"], e["cert"]) for e in p["dscs"]] == [("FR", FR)]
    # what the terminal's parser makes of it
    parsed = hc1.parse_dcc_trust_list(p)
    assert list(parsed.trust) == [hc1.dsc_kid(FR)] and parsed.trust[hc1.dsc_kid(FR)].country == "FR"


@pytest.mark.parametrize("args,words", [
    (["--country", "de"], "ISO 3166-1 alpha-2"), (["--country", "DEU"], "ISO 3166-1 alpha-2"), ([], "--country"),
])
def test_dcc_add_refuses_a_bad_country_in_one_line(tmp_path, capsys, args, words):
    Platform.init(tmp_path / "p")
    cert = tmp_path / "c.pem"
    cert.write_bytes(K.pem(DE))
    assert issuer_main(["dcc", str(tmp_path / "p"), "add", str(cert), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_dcc_add_refuses_what_is_not_a_certificate(tmp_path, capsys):
    Platform.init(tmp_path / "p")
    for content in (b"", b"hello", b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
                    b"\x30\x03\x02\x01\x01"):
        (tmp_path / "x").write_bytes(content)
        assert issuer_main(["dcc", str(tmp_path / "p"), "add", str(tmp_path / "x"), "--country", "DE"]) == 2
        assert capsys.readouterr().err.startswith("venue-issuer: ")
    with pytest.raises(PlatformError):
        platform_dcc.remove_dsc(Platform(tmp_path / "p"), "00")


# ---- sync over the wire ---------------------------------------------------------------------------------

def test_enrolment_syncs_the_dcc_trust_and_the_hc1_path_uses_it(server, home, capsys):
    assert held(home) == platform_dcc.current(server.platform).seq
    v = scan(home, K.sign_hc1(DE_KEY, DE, claims(country="DE")))
    assert v.valid and v.credential.issuer == "DE" and v.warnings == (), v
    # a DSC of DE cannot sign for FR (spec section 1), nor can one the platform does not list
    assert scan(home, K.sign_hc1(DE_KEY, DE, claims(country="FR"))).reason == R.ISSUER_NOT_AUTHORISED
    assert scan(home, K.sign_hc1(FR_KEY, FR, claims(country="FR"))).reason == R.UNKNOWN_ISSUER
    with Syncer(home) as s:
        rep = s.run_once()
    assert rep.ok and rep.dcc == "not_modified", rep              # If-None-Match: 304
    capsys.readouterr()
    assert terminal_main(["--home", str(home), "status"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("EU DCC trust")]
    assert line and f"seq {held(home)}, 1 DSCs, fresh" in line[0]


def test_a_new_dsc_reaches_the_terminal_at_the_next_sync(server, home):
    before = held(home)
    platform_dcc.add_dsc(server.platform, FR, "FR")
    try:
        with Syncer(home) as s:
            rep = s.run_once()
        assert rep.ok and rep.dcc == "updated" and rep.trust_changed and rep.dcc_seq == held(home) > before
        assert scan(home, K.sign_hc1(FR_KEY, FR, claims(country="FR"))).valid
    finally:
        platform_dcc.remove_dsc(server.platform, hc1.dsc_kid(FR).hex())


@pytest.mark.parametrize("mode,kind,words", [
    ("rollback", "refused", "is lower than the held seq"),
    ("bad_signature", "refused", "signature does not verify"),
    ("wrong_content_type", "refused", "content type 'text/html'"),
    ("oversized", "protocol", "over the 1048576-byte limit"),
])
def test_a_bad_dcc_trust_list_is_refused_and_the_last_good_one_kept(server, home, mode, kind, words):
    platform_dcc.refresh(server.platform)       # a newer list exists (rollback: the held one minus one)
    with Syncer(home) as s:
        assert s.run_once().dcc == "updated"
    before = held(home)
    if mode != "rollback":
        platform_dcc.refresh(server.platform)
    server.faults(dcc_trust_mode=mode)
    with Syncer(home) as s:
        rep = s.run_once()
    assert not rep.ok and rep.dcc in ("refused", "failed") and rep.error_kind == kind and words in rep.error, rep
    assert rep.upload == "done"                 # a refused DCC list does not stop the upload
    assert held(home) == before
    assert scan(home, K.sign_hc1(DE_KEY, DE, claims(country="DE"))).valid     # the last good list still works


def test_a_stale_dcc_trust_list_marks_hc1_verdicts_only(server, home):
    # a DCC trust list issued 6 days ago (next: in a day), beside a fresh trust list
    platform_dcc.refresh(server.platform, now=int(time.time()) - 6 * K.DAY)
    server.platform.refresh()
    with Syncer(home) as s:
        rep = s.run_once()
    assert rep.ok and rep.dcc == "updated" and rep.trust == "updated", rep
    with Store.open(home) as s:
        nxt = s.dcc_trust.load_trust_list()[1].next
        assert s.trust.load_trust_list()[1].next > nxt + 5 * K.DAY
    code = K.sign_hc1(DE_KEY, DE, claims(country="DE", exp=nxt + 10 * K.DAY))
    late = scan(home, code, now=nxt + 60)
    assert late.valid and late.warnings == (R.TRUST_STALE,) and late.outcome == R.Outcome.CHECK
    assert scan(home, code, now=nxt - 60).warnings == ()
    assert scan(home, "not a code", now=nxt + 60).warnings == ()                   # EZ1's lists are fresh


def test_the_dcc_trust_setting_adds_dscs_from_a_file(server, home):
    entry = {"kid": base64.b64encode(hc1.dsc_kid(FR)).decode(), "country": "FR",
             "certificate": base64.b64encode(FR).decode()}
    (home / "fr.json").write_text(json.dumps([entry]))
    Settings().with_(dcc_trust=str(home / "fr.json")).save(home / SETTINGS_FILE)
    assert scan(home, K.sign_hc1(FR_KEY, FR, claims(country="FR"))).valid          # from the file
    assert scan(home, K.sign_hc1(DE_KEY, DE, claims(country="DE"))).valid          # synced
    with TerminalService.from_home(home) as svc:
        assert svc.status().dcc_count == 2
        svc.set_dcc(None)                                                           # the setting cleared
        assert svc.scan(K.sign_hc1(FR_KEY, FR, claims(country="FR"))).reason == R.UNKNOWN_ISSUER


def test_a_missing_dcc_trust_file_is_one_line_naming_the_setting(tmp_path):
    bad = tmp_path / "ui-settings.json"
    bad.write_text(json.dumps({"dcc_trust": str(tmp_path / "nope.json")}))
    with pytest.raises(Exception) as err:
        Settings.load(bad)
    assert "dcc_trust" in str(err.value) and "nope.json" in str(err.value) and "\n" not in str(err.value)


# ---- a platform without the endpoint, and a DCC trust list of the wrong form --------------------------------

class _OldPlatform:
    """A Remote for a platform that predates GET /v1/dcc-trust (404), around the real HTTP one."""

    def __init__(self, inner):
        self.inner, self.clock_skew_s = inner, None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def fetch_dcc_trust(self, etag):
        raise SyncNotPublished("GET /v1/dcc-trust: the platform publishes no DCC trust list (404)")


def test_a_platform_without_dcc_trust_is_not_a_failed_round(server, home):
    from terminal.transport import HttpRemote
    remote = _OldPlatform(HttpRemote())
    with Syncer(home, remote=remote) as s:
        rep = s.run_once()
    assert rep.ok and rep.dcc == "not_published" and rep.error is None, rep


@pytest.mark.parametrize("bad", [
    {"dscs": "x"}, {"dscs": [1]}, {"dscs": [{"kid": "k", "country": "DE", "cert": DE}]},
    {"dscs": [{"kid": b"k", "country": "de", "cert": DE}]}, {"dscs": [{"kid": b"k", "country": "DE"}]},
    {"v": 2}, {"seq": -1},
])
def test_a_dcc_trust_list_of_the_wrong_form_is_refused(server, home, bad):
    class Remote(_OldPlatform):
        def fetch_dcc_trust(self, etag):
            p = {"v": 1, "seq": 10**6, "iat": NOW, "next": NOW + K.DAY, "dscs": [], **bad}
            return Signed(server.platform.sign_trust_data(p), COSE_TYPE)
    from terminal.transport import HttpRemote
    before = held(home)
    with Syncer(home, remote=Remote(HttpRemote())) as s:
        rep = s.run_once()
    assert rep.dcc == "refused" and "DCC trust list refused" in rep.error and held(home) == before


def test_an_unusable_certificate_is_left_out_not_the_list():
    p = {"v": 1, "seq": 1, "iat": NOW, "next": NOW + 1, "dscs": [
        {"kid": b"12345678", "country": "IT", "cert": b"\x30\x03\x02\x01\x01"},
        {"kid": hc1.dsc_kid(DE), "country": "DE", "cert": DE}]}
    parsed = hc1.parse_dcc_trust_list(cbor2.loads(cbor2.dumps(p)))
    assert list(parsed.trust) == [hc1.dsc_kid(DE)] and len(parsed.trust.skipped) == 1
    assert "IT" in parsed.trust.skipped[0]
    assert os.sep not in parsed.trust.skipped[0]


def test_the_endpoint_needs_a_token_and_honours_if_none_match(server):
    import requests
    url = server.url + "/v1/dcc-trust"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    r = requests.get(url, headers=server.auth, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"] == COSE_TYPE and r.headers.get("ETag")
    assert payload_of(server.platform, r.content)["seq"] == platform_dcc.current(server.platform).seq
    again = requests.get(url, headers={**server.auth, "If-None-Match": r.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and not again.content
