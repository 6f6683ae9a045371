"""The clock-skew bound is the terminal's setting: `enroll --max-clock-skew`, kept on re-enrolment."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from cache import Store
from vocab import reasons as R
from terminal.cli import main as terminal_main
from terminal.service import DEFAULT_CLOCK_SKEW_BOUND, TerminalService

ROOT_PEM = Path(__file__).resolve().parents[3] / "shared" / "spec" / "vectors" / "root.pem"


def _enroll(home: Path, *extra: str) -> int:
    return terminal_main(["--home", str(home), "enroll", "--platform", "http://127.0.0.1:9", "--token=t",
                          "--root-key", str(ROOT_PEM), "--venue", "V-1", "--no-sync", *extra])


def _warnings_with_skew(home: Path, skew: float) -> tuple[str, ...]:
    with Store.open(home) as st:
        st.sync_state.save(dataclasses.replace(st.sync_state.load(), clock_skew_s=skew))
    with TerminalService.from_home(home) as svc:
        v = svc.scan("not a code")
        assert v.reason == R.UNKNOWN_FORMAT, v          # verified, not an internal error
        assert svc.status().clock_skew_bound_s == svc.clock_skew_bound()
        return v.warnings


def test_default_bound(tmp_path):
    assert _enroll(tmp_path) == 0
    assert R.CLOCK_SUSPECT not in _warnings_with_skew(tmp_path, DEFAULT_CLOCK_SKEW_BOUND)
    assert R.CLOCK_SUSPECT in _warnings_with_skew(tmp_path, -(DEFAULT_CLOCK_SKEW_BOUND + 1))


def test_enrolled_bound_is_used_and_kept_on_reenrolment(tmp_path):
    assert _enroll(tmp_path, "--max-clock-skew", "600") == 0
    assert R.CLOCK_SUSPECT not in _warnings_with_skew(tmp_path, 599)
    assert R.CLOCK_SUSPECT in _warnings_with_skew(tmp_path, 601)
    assert _enroll(tmp_path, "--force") == 0              # a new token, same bound
    assert R.CLOCK_SUSPECT not in _warnings_with_skew(tmp_path, 599)
    with TerminalService.from_home(tmp_path) as svc:
        assert svc.clock_skew_bound() == 600


def test_bad_bound_is_a_usage_error(tmp_path, capsys):
    assert _enroll(tmp_path, "--max-clock-skew", "0") == 2
    assert "--max-clock-skew" in capsys.readouterr().err
