"""TLS: verification is always on; a pilot platform with a private CA works through the
enrolment's --ca-bundle. The platform app (issuer.server.create_app) runs under uvicorn with
a certificate for 127.0.0.1 issued by a CA made here."""
from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
import time

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cache import Store
from issuer.platform import Platform
from issuer.server import create_app
from terminal.sync import SyncNetworkError, Syncer

from .conftest import run_terminal


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(out) -> tuple:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Pilot CA")).issuer_name(_name("Pilot CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = out / "ca.pem", out / "server.pem", out / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


@pytest.fixture
def tls_platform(tmp_path):
    plat, _ = Platform.init(tmp_path / "platform")
    _ca, cert, key = make_pki(tmp_path)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    config = uvicorn.Config(create_app(plat), ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="warning",
                            lifespan="off", date_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield plat, f"https://127.0.0.1:{sock.getsockname()[1]}", tmp_path / "ca.pem"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_tls_is_verified_and_a_pilot_ca_bundle_works(tls_platform, tmp_path, capsys):
    plat, url, ca = tls_platform
    base = ("enroll", "--platform", url, f"--token={plat.token}", "--root-key", str(plat.root_pem_path),
            "--venue", "V-tls")
    # without the pilot CA the certificate is refused (never a silent fallback to no verification)
    home = tmp_path / "no-ca"
    assert run_terminal("--home", str(home), *base) == 1
    assert "TLS verification failed" in capsys.readouterr().out
    with Syncer(home) as s:
        with pytest.raises(SyncNetworkError, match="TLS verification failed"):
            s.sync_trust()
    # with it, everything works
    home = tmp_path / "with-ca"
    assert run_terminal("--home", str(home), *base, "--ca-bundle", str(ca)) == 0
    with Store.open(home) as store:
        assert store.identity.load_identity().ca_bundle == str(ca.resolve())
        assert store.trust.held_seq() == 1
