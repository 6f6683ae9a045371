"""Reading the EU DCC trust files named on the command line (`--dcc-cert`, `--dcc-trust`).
This module does I/O; terminal.hc1 takes the bytes it reads.

Errors are terminal.config.ConfigError with a one-line message naming the file.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .config import ConfigError
from .hc1.der import DscError
from .hc1.trust import DccTrust, certificates_from_bytes, parse_trust_json, trust_from_certificates


def load_dcc_trust(cert_paths: Sequence[str] = (), trust_file_paths: Sequence[str] = ()) -> DccTrust:
    """Read `--dcc-cert` files (PEM/DER/base64, each may hold several certificates) and
    `--dcc-trust` files. Raises terminal.config.ConfigError (one line naming the file) for a
    file that cannot be read or used as a whole; a trust file's unusable entries are skipped."""
    def read(path: str, what: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None

    trust = DccTrust()
    for p in cert_paths:
        try:
            trust = trust.merged(trust_from_certificates(certificates_from_bytes(read(p, "DCC certificate"))))
        except DscError as exc:
            raise ConfigError(f"DCC certificate {p}: {exc}") from None
    for p in trust_file_paths:
        try:
            part = parse_trust_json(read(p, "DCC trust file"))
        except DscError as exc:
            raise ConfigError(f"DCC trust file {p}: {exc}") from None
        if not len(part) and part.skipped:
            raise ConfigError(f"DCC trust file {p}: no usable certificate ({part.skipped[0]})")
        trust = trust.merged(part)
    return trust


def load_dcc_file(path: str) -> DccTrust:
    """One DCC trust file of either kind, told apart by its content: a trust JSON (`[{kid, country,
    certificate}]` or `{"certificates": [...]}`) or DSC certificates (PEM, DER or base64 DER).
    For the `dcc_trust` setting. Raises ConfigError (one line naming the file)."""
    try:
        head = Path(path).read_bytes()[:4096].lstrip()
    except OSError as exc:
        raise ConfigError(f"cannot read DCC trust file {path}: {exc.strerror or exc}") from None
    if head[:1] in (b"[", b"{"):
        return load_dcc_trust((), (path,))
    return load_dcc_trust((path,), ())
