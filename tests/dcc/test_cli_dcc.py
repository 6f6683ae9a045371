"""`venue-terminal verify --dcc-cert/--dcc-trust --skew` on the dgc data and on minted codes.

Every dgc case goes through the command's own code in-process (terminal.cli.main, one run per
VALIDATIONCLOCK, text lines and PNG pictures, trust from a --dcc-trust file); the installed
executable runs in subprocesses for the combinations that matter: DCC only, DCC beside the
EZ1 trust options, the default and an explicit skew, and configuration errors (exit 2).
"""
from __future__ import annotations

import base64
import json
import subprocess
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from terminal import cli, hc1
from vocab import reasons as R

from . import hc1kit as K
from .dgc import DgcCase, load_cases
from .test_dgc_testdata import _expect_valid, verdict_for

REPO = Path(__file__).resolve().parents[2]
EXE = REPO / ".venv" / "bin" / "venue-terminal"
SPEC = REPO.parent / "shared" / "spec" / "vectors"
CASES = [c for c in load_cases()[0] if c.prefix and c.clock is not None]


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_inputs(folder: Path, cases: list[DgcCase]) -> tuple[Path, list[Path], Path]:
    """(text file with one PREFIX per line, PNG files, a --dcc-trust JSON file of their DSCs)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "codes.txt"
    text.write_text("".join(c.prefix + "\n" for c in cases), encoding="utf-8")
    pngs = []
    for n, c in enumerate(cases):
        if c.picture and c.flags.get("EXPECTEDPICTUREDECODE") is True:
            p = folder / f"{n}.png"
            p.write_bytes(c.picture)
            pngs.append(p)
    entries = [{"kid": base64.b64encode(hc1.dsc_kid(c.certificate)).decode(), "country": c.id.split("/")[0],
                "certificate": base64.b64encode(c.certificate).decode()} for c in cases if c.certificate]
    trust = folder / "trust.json"
    trust.write_text(json.dumps(entries))
    return text, pngs, trust


def check_lines(lines: list[dict], cases: list[DgcCase], pngs: list[Path]) -> None:
    by_text = {f"codes.txt:{n + 1}": c for n, c in enumerate(cases)}
    assert len(lines) == len(cases) + len(pngs)
    for line in lines:
        name = Path(line["input"]).name
        if name.endswith(".png"):
            case = cases[int(name[:-4])]                 # write_inputs names a picture by its case's index
        else:
            case = by_text[name]
        # the command agrees with the library (trust from its own DSC only), and with the flags
        lib = verdict_for(case)
        assert (line["valid"], line["reason"]) == (lib.valid, lib.reason), (case.id, line)
        expect = _expect_valid(case)
        if expect is not None:
            assert line["valid"] is expect, (case.id, line)
        if line["valid"]:
            assert line["profile"] == "HC1" and line["credential"]["typ"] == "dcc"
            assert line["credential"]["dcc"]["kind"] in ("vaccination", "test", "recovery")


def test_every_dgc_case_through_the_command(tmp_path, capsys):
    groups: dict[int, list[DgcCase]] = defaultdict(list)
    for c in CASES:
        groups[c.clock].append(c)
    assert groups
    for n, (clock, cases) in enumerate(sorted(groups.items())):
        text, pngs, trust = write_inputs(tmp_path / str(n), cases)
        rc = cli.main(["verify", "--dcc-trust", str(trust), "--at", iso(clock), "--skew", "0", "--json",
                       str(text), *map(str, pngs)])
        out = capsys.readouterr().out
        lines = [json.loads(x) for x in out.splitlines()]
        check_lines(lines, cases, pngs)
        assert rc == (0 if all(x["valid"] for x in lines) else 1)


def sh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], cwd=REPO, capture_output=True, text=True, timeout=120)


needs_exe = pytest.mark.skipif(not EXE.exists(), reason="the venv's venue-terminal is not installed")


@needs_exe
def test_executable_with_dcc_certs_only(tmp_path):
    # the largest group of cases sharing a clock, DSCs as repeated --dcc-cert files (DER and PEM)
    groups: dict[int, list[DgcCase]] = defaultdict(list)
    for c in CASES:
        groups[c.clock].append(c)
    clock, cases = max(groups.items(), key=lambda kv: len(kv[1]))
    text, pngs, _ = write_inputs(tmp_path, cases)
    certs = []
    for n, der in enumerate(sorted({c.certificate for c in cases})):
        p = tmp_path / (f"dsc{n}.der" if n % 2 else f"dsc{n}.pem")
        p.write_bytes(der if n % 2 else K.pem(der))
        certs += ["--dcc-cert", str(p)]
    r = sh("verify", *certs, "--at", iso(clock), "--skew", "0", "--json", str(text), *map(str, pngs))
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    check_lines(lines, cases, pngs)
    assert r.returncode == (0 if all(x["valid"] for x in lines) else 1), r.stderr


def _minted_at(now: int) -> tuple[Path, str]:
    key = K.key("ec", 3)
    der = K.make_dsc(key, nb=now - 100 * K.DAY, na=now + 100 * K.DAY)
    return der, K.sign_hc1(key, der, K.claims("t", iat=now - K.DAY, exp=now + K.DAY))


@needs_exe
@pytest.mark.skipif(not (SPEC / "cases.json").exists(), reason="spec vectors not present")
def test_executable_with_ez1_trust_and_dcc_together(tmp_path):
    spec = json.loads((SPEC / "cases.json").read_text())
    ez1 = next(c for c in spec["cases"] if c["valid"] and c["code"].startswith("EZ1:"))
    der, hc1 = _minted_at(ez1["at"])
    (tmp_path / "dsc.der").write_bytes(der)
    (tmp_path / "codes.txt").write_text(ez1["code"] + "\n" + hc1 + "\n")
    r = sh("verify", "--root-key", str(SPEC / spec["root_pem"]), "--trust-list", str(SPEC / spec["trust_list"]),
           "--revocations", str(SPEC / spec["revocations"]), "--dcc-cert", str(tmp_path / "dsc.der"),
           "--at", str(ez1["at"]), "--json", str(tmp_path / "codes.txt"))
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["profile"], x["valid"], x["reason"]) for x in lines] == [("EZ1", True, "ok"), ("HC1", True, "ok")]
    assert r.returncode == 0, r.stderr


@needs_exe
@pytest.mark.skipif(not (SPEC / "cases.json").exists(), reason="spec vectors not present")
def test_executable_dcc_only_refuses_ez1_codes_and_text_output(tmp_path):
    spec = json.loads((SPEC / "cases.json").read_text())
    ez1 = next(c for c in spec["cases"] if c["valid"] and c["code"].startswith("EZ1:"))
    der, hc1 = _minted_at(ez1["at"])
    (tmp_path / "dsc.pem").write_bytes(K.pem(der))
    (tmp_path / "codes.txt").write_text(hc1 + "\n" + ez1["code"] + "\n")
    r = sh("verify", "--dcc-cert", str(tmp_path / "dsc.pem"), "--at", str(ez1["at"]), str(tmp_path / "codes.txt"))
    out = r.stdout.splitlines()
    assert r.returncode == 1 and len(out) == 2, r.stderr
    assert out[0].startswith("OK") and "[HC1] ok" in out[0] and "dcc" in out[0]
    assert out[1].startswith(("FAIL", "WARN")) and "[EZ1]" in out[1]
    assert any(reason in out[1] for reason in (R.UNKNOWN_ISSUER, R.TRUST_LIST_EXPIRED))


@needs_exe
def test_executable_skew_default_and_override(tmp_path):
    key = K.key("ec", 4)
    der = K.make_dsc(key)
    code = K.sign_hc1(key, der, K.claims("r", exp=K.T0))
    (tmp_path / "dsc.der").write_bytes(der)
    (tmp_path / "c.txt").write_text(code + "\n")
    base = ["verify", "--dcc-cert", str(tmp_path / "dsc.der"), "--json"]
    late = str(K.T0 + 200)                               # 200 s after exp
    r_default = sh(*base, "--at", late, str(tmp_path / "c.txt"))
    r_strict = sh(*base, "--at", late, "--skew", "0", str(tmp_path / "c.txt"))
    assert r_default.returncode == 0 and json.loads(r_default.stdout)["reason"] == R.OK
    assert r_strict.returncode == 1 and json.loads(r_strict.stdout)["reason"] == R.EXPIRED
    assert json.loads(r_strict.stdout)["credential"]["dcc"]["kind"] == "recovery"


@needs_exe
def test_executable_configuration_errors_exit_2(tmp_path):
    (tmp_path / "c.txt").write_text("HC1:XYZ\n")
    (tmp_path / "junk.pem").write_text("not a certificate")
    (tmp_path / "junk.json").write_text('{"no": "list"}')
    for opts, name in ((["--dcc-cert", str(tmp_path / "junk.pem")], "junk.pem"),
                       (["--dcc-trust", str(tmp_path / "junk.json")], "junk.json"),
                       (["--dcc-cert", str(tmp_path / "absent.der")], "absent.der")):
        r = sh("verify", *opts, str(tmp_path / "c.txt"))
        assert r.returncode == 2 and name in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr
