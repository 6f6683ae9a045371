"""Helpers shared by the reference-platform tests (imported as a top-level module)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from issuer.platform import Platform
from issuer.testing import REPO_ROOT
from terminal import trust, verify

NOW = 1_795_000_000


def snapshot_of(root_pem: bytes, trust_raw: bytes, revocations_raw: bytes) -> verify.TrustSnapshot:
    """Verify signed trust data the way a terminal does and build a snapshot from it."""
    root = trust.load_root_key(root_pem)
    tl = trust.parse_trust_list(trust.verify_signed(trust_raw, root))
    rl = trust.parse_revocations(trust.verify_signed(revocations_raw, root))
    assert isinstance(rl, trust.RevocationList)
    return verify.TrustSnapshot(trust_list=tl, revocations=rl, revocations_next=rl.next)


def platform_snapshot(p: Platform) -> verify.TrustSnapshot:
    return snapshot_of(p.root_pem_path.read_bytes(), p.document("trust").cose, p.document("revocations").cose)


def issuer_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`venue-issuer ...` as a real subprocess (its real stdout, stderr and exit code)."""
    proc = subprocess.run([sys.executable, "-m", "issuer.cli", *args], capture_output=True, text=True,
                          cwd=str(REPO_ROOT), timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def cli_json(*args: str):
    return json.loads(issuer_cli(*args).stdout)


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="ascii").splitlines() if line]


def cli_main(capsys, *args: str):
    """`venue-issuer ARGS` in this process (issuer.cli.main); its stdout parsed as JSON."""
    from issuer.cli import main
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr().out
    assert rc == 0, out
    return json.loads(out)
