"""The full-screen keeper leaves the app's own dialogs alone (ui/fullscreen.py, issue 11): with the
kiosk full screen and the keeper on, the admin PIN dialog and then Settings are opened and the
main window is taken out of full screen and shrunk behind them. While either dialog is open the
keeper's checks (its timer and its own event-driven check) leave the window as it is and the
dialog keeps the focus; once the dialog is closed the keeper fills the screen again.

Offscreen Qt: showFullScreen gives the offscreen screen's geometry, and activation follows the
windows shown. The same rule on a real X server, through xdotool: test_fullscreen_x.py."""
from __future__ import annotations

import pytest

from terminal import pins
from ui.qt import QApplication, QTimer

PIN = "739164"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(pins, "SCRYPT_LOG_N", 12)


def _keeper_runs(qtbot, keeper, n: int = 2) -> None:
    """Let the keeper look n times on its own (its periodic timer), then once more by hand."""
    for _ in range(n):
        with qtbot.waitSignal(keeper._timer.timeout, timeout=5000):
            pass
    keeper.check()


def test_keeper_leaves_the_admin_dialogs_alone_then_fills_the_screen(qtbot, make_app):
    rt = make_app("kiosk", "images:/nonexistent", start=False)
    w = rt.window
    w.apply_settings(w.settings.with_(pin_hash=w.pin_guard.hash_new(PIN)))
    keeper = rt.screen_keeper
    screen = QApplication.primaryScreen().geometry()
    keeper.set_active(True)
    qtbot.waitUntil(lambda: keeper.ok, timeout=5000)
    assert w.isFullScreen() and w.geometry() == screen
    start = keeper.reasserted
    seen = {}

    def shrink_behind(dialog, name: str) -> None:
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=5000)
        w.showNormal()
        w.setGeometry(10, 10, 600, 400)
        qtbot.waitUntil(lambda: not w.isFullScreen(), timeout=5000)
        shrunk = w.geometry()
        _keeper_runs(qtbot, keeper)
        seen[name] = (keeper.problem(), w.isFullScreen(), w.geometry() == shrunk != screen,
                      QApplication.activeWindow() is dialog, keeper.reasserted - start)

    def in_pin():
        shrink_behind(w.pin_dialog, "pin")
        w.pin_dialog.edit.setText(PIN)
        assert w.pin_dialog.try_accept()
        QTimer.singleShot(0, in_settings)

    def in_settings():
        shrink_behind(w.settings_dialog, "settings")
        w.settings_dialog.reject()

    QTimer.singleShot(0, in_pin)
    assert w.open_admin() is False                        # Settings cancelled
    for name in ("pin", "settings"):
        why, full, left_shrunk, dialog_active, reasserted = seen[name]
        assert why == "not full screen" and not full and left_shrunk, (name, seen[name])
        assert dialog_active and reasserted == 0, (name, seen[name])
    # the dialogs are closed: the keeper's next check fills the screen and takes the focus back
    qtbot.waitUntil(lambda: keeper.ok, timeout=5000)
    assert keeper.reasserted > start and w.isFullScreen() and w.geometry() == screen
    assert QApplication.activeWindow() is w
