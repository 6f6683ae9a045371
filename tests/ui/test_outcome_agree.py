"""One outcome, decided in the core: for every reason x warning x policy setting, the CLI's
JSON, its text mark and exit rule, the scan log's verdict fields and the screen all show the
outcome terminal.outcome.decide gives, and that follows spec section 5 (version 2)."""
from __future__ import annotations

import itertools

import pytest

from vocab import reasons as R
from terminal.commands.verify import format_line
from terminal.outcome import DEFAULT_WARNING_OUTCOMES, decide
from terminal.policy import PolicyError, policy_from_mapping
from vocab.reasons import Outcome
from terminal.verdict import Verdict

ui_texts = pytest.importorskip("ui.texts")

WARNINGS = (R.TRUST_STALE, R.CLOCK_SUSPECT, R.BOUND_CREDENTIAL_STATIC, R.SHARED_STATE_UNAVAILABLE)
SETTINGS = ("admit", "check", "refuse")
MARK = {Outcome.ADMIT: "OK  ", Outcome.CHECK: "WARN", Outcome.REFUSE: "FAIL"}


def expected(valid: bool, reason: str, warnings: tuple[str, ...], table: dict[str, Outcome]) -> Outcome:
    """Spec section 5 written out independently of terminal.outcome."""
    rank = [Outcome.ADMIT, Outcome.CHECK, Outcome.REFUSE]
    if valid:
        out = Outcome.ADMIT
    elif reason in (R.TRUST_LIST_EXPIRED, R.UNREADABLE, R.INTERNAL_ERROR):
        out = Outcome.CHECK
    else:
        out = Outcome.REFUSE
    for w in warnings:
        out = max(out, table[w], key=rank.index)
    return out


def policies():
    """Every allowed [policy.warnings] setting for each warning, one warning at a time."""
    yield "default", {}
    for w, s in itertools.product(WARNINGS, SETTINGS):
        yield f"{w}={s}", {w: s}


def test_policy_cannot_make_a_warning_laxer():
    with pytest.raises(PolicyError, match="laxer"):
        policy_from_mapping({"policy": {"warnings": {R.TRUST_STALE: "admit"}}})
    with pytest.raises(PolicyError, match="unknown warning"):
        policy_from_mapping({"policy": {"warnings": {"no_such": "check"}}})
    with pytest.raises(PolicyError):
        policy_from_mapping({"policy": {"warnings": {R.CLOCK_SUSPECT: "green"}}})


@pytest.mark.parametrize("name,setting", list(policies()), ids=[n for n, _ in policies()])
def test_cli_and_screen_agree_for_every_reason_and_warning(qapp, name, setting):
    try:
        pol = policy_from_mapping({"policy": {"warnings": setting}} if setting else {"policy": {}})
    except PolicyError:
        assert any(SETTINGS.index(v) < SETTINGS.index(DEFAULT_WARNING_OUTCOMES[k].value) for k, v in setting.items())
        return
    table = dict(pol.warning_outcomes)
    combos = [()] + [(w,) for w in WARNINGS] + [tuple(WARNINGS[:2]), tuple(WARNINGS)]
    for reason in sorted(R.ALL_REASONS):
        valid = reason == R.OK
        for warnings in combos:
            want = expected(valid, reason, warnings, table)
            got = decide(valid, reason, warnings, pol.warning_outcomes)
            assert got is want, (reason, warnings, name)
            v = Verdict(valid=valid, reason=reason, warnings=warnings, decided=got)
            assert v.outcome is want
            assert v.to_dict()["outcome"] == want.value                       # verify --json, scan log
            assert format_line("x", v).startswith(MARK[want])                 # verify text line
            assert ui_texts.ui_outcome(v) is want                             # every screen
            assert ui_texts.OUTCOME_COLOUR[ui_texts.ui_outcome(v)] == ui_texts.OUTCOME_COLOUR[want]
            if not valid:
                assert want is not Outcome.ADMIT                              # never a green refusal


def test_stale_trust_is_check_in_cli_json_and_exit(tmp_path):
    """The first release said admit / exit 0 in `verify --json` for a valid code under stale
    trust data while the screen was amber; now both say check, and the exit code is 1."""
    import json
    import subprocess
    import sys
    from pathlib import Path
    vec = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
    cases = json.loads((vec / "cases.json").read_text())["cases"]
    code = next(c["code"] for c in cases if c["name"] == "resident_es256_ok")
    from terminal.config import load_trust_list, load_root
    at = load_trust_list(vec / "trust-list.cose", load_root(vec / "root.pem")).next + 10   # stale, code still valid
    out = subprocess.run([sys.executable, "-m", "terminal.cli", "verify", "--root-key", str(vec / "root.pem"),
                          "--trust-list", str(vec / "trust-list.cose"), "--revocations", str(vec / "revocations.cose"),
                          "--at", str(at), "--json", "-"], input=code + "\n", capture_output=True, text=True, timeout=60)
    row = json.loads(out.stdout.splitlines()[0])
    assert row["valid"] is True and "trust_stale" in row["warnings"]
    assert row["outcome"] == "check" and out.returncode == 1, out.stderr
