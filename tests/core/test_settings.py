"""One typed settings declaration (issue 9 part 6): read from one file with unknown keys and bad
values refused in one line naming the file and key, overridden by flags, used by the service."""
from __future__ import annotations

import json
import os
import stat

import pytest

from terminal.settings import SETTINGS_FILE, Settings, SettingsError


def _write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def test_defaults_when_no_file(tmp_path):
    assert Settings.load(tmp_path / "none.json") == Settings()


@pytest.mark.parametrize("doc, match", [
    ({"moed": "gate"}, "unknown key 'moed'"),
    ({"mode": "door"}, "mode must be one of"),
    ({"verdict_seconds": 1e9}, "verdict_seconds must be between"),
    ({"verdict_seconds": "3"}, "verdict_seconds must be float"),
    ({"sound": 1}, "sound must be bool"),
    ({"clock_skew_bound_s": -5}, "clock_skew_bound_s must be between"),
    ({"retention_days": float("inf")}, "retention_days must be float"),
    ({"voice": "loud"}, "voice must be one of"),
    ({"scanner": "usb:thing"}, "scanner"),
    ({"source": "telescope:3"}, "source"),
    ({"policy": "/nonexistent/policy.toml"}, "policy"),
])
def test_bad_values_are_one_line_naming_file_and_key(tmp_path, doc, match):
    p = _write(tmp_path / SETTINGS_FILE, doc)
    with pytest.raises(SettingsError, match=match) as info:
        Settings.load(p)
    assert str(p) in str(info.value) and "\n" not in str(info.value)


def test_a_policy_whose_name_the_log_refuses_is_refused_at_load(tmp_path):
    pol = tmp_path / "p.toml"
    pol.write_text('[policy]\nname = "老年人优待"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="policy"):
        Settings.load(_write(tmp_path / SETTINGS_FILE, {"policy": str(pol)}))


def test_overrides_are_typed_by_the_declaration():
    s = Settings().with_(**dict(Settings.parse_override(o) for o in ("verdict_seconds=3.5", "sound=off",
                                                                     "voice=on", "mode=kiosk")))
    assert (s.verdict_seconds, s.sound, s.voice, s.mode) == (3.5, False, "on", "kiosk") and s.voice_on()
    for bad in ("pin_hash=x", "nope=1", "verdict_seconds=fast", "sound=maybe", "verdict_seconds=" + "9" * 400):
        with pytest.raises(SettingsError):
            Settings().with_(**dict([Settings.parse_override(bad)]))


def test_save_is_private_and_round_trips(tmp_path):
    s = Settings().with_(mode="counter", retention_days=7.0)
    p = tmp_path / SETTINGS_FILE
    s.save(p)
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600
    assert Settings.load(p) == s


def test_a_settings_file_others_can_read_becomes_owner_only(tmp_path):
    p = _write(tmp_path / SETTINGS_FILE, {"mode": "gate"})
    os.chmod(p, 0o644)
    assert Settings.load(p).mode == "gate"
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o600


def test_voice_is_on_at_the_kiosk_by_default():
    assert Settings(mode="kiosk").voice_on() and not Settings(mode="gate").voice_on()
