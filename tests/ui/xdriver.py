"""Run the real app on an X display and report what a keyboard-wedge scan did (tests/ui/test_wedge_x.py).

    python tests/ui/xdriver.py MODE FOCUS_INDEX WORKDIR

Builds the app with the shared conformance vectors as trust data (clock pinned), shows it,
puts the keyboard focus on its FOCUS_INDEX-th focusable control (-1: none), writes
WORKDIR/ready.json ({"focusables": [...], "focused": name}), then waits for WORKDIR/report:
it then writes WORKDIR/state.json (verdicts seen, the open dialog if any, language, mode,
settings file contents) and quits. The keys come from outside (xdotool through the X server).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
VECTORS = REPO.parent / "shared" / "spec" / "vectors"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/spec/vectors")


def _write(path: Path, text: str) -> None:
    """Whole or not at all: the test polls for the file and reads it the moment it exists."""
    tmp = path.with_suffix(".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def main() -> int:
    mode, index, work = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from terminal.service import TerminalService
    from ui.app import AppOptions, build

    now = json.loads((VECTORS / "cases.json").read_text())["now"]
    svc = TerminalService.from_files(root_key=VECTORS / "root.pem", trust_list=VECTORS / "trust-list.cose",
                                     revocations=VECTORS / "revocations.cose", clock=lambda: now)
    rt = build(AppOptions(mode=mode, source="images:/nonexistent", settings_path=work / "settings.json",
                          fullscreen=False, service=svc, sync=False))
    w = rt.window
    verdicts: list[dict] = []
    rt.verify.verdict.connect(lambda v, *a: verdicts.append({"reason": v.reason, "source": a[1] if len(a) > 1 else ""}))
    w.resize(1024, 700)
    w.show()
    rt.start()
    app = QApplication.instance()

    def focusables() -> list[QWidget]:
        out = []
        for c in w.findChildren(QWidget):
            if c.isVisible() and c.isEnabled() and c.focusPolicy() & Qt.FocusPolicy.TabFocus:
                out.append(c)
        return out

    def label(c) -> str:
        return f"{type(c).__name__}:{c.accessibleName() or c.objectName() or getattr(c, 'text', lambda: '')()}"

    def setup() -> None:
        w.activateWindow()
        w.raise_()
        fs = focusables()
        if 0 <= index < len(fs):
            fs[index].setFocus(Qt.FocusReason.OtherFocusReason)
        f = app.focusWidget()
        _write(work / "ready.json", json.dumps({"focusables": [label(c) for c in fs],
                                                     "focused": label(f) if f else None,
                                                     "language": rt.language.code,
                                                     "winid": int(w.winId())}))

    def poll() -> None:
        if not (work / "report").exists():
            return
        modal = app.activeModalWidget() or app.activePopupWidget()
        state = {"keys_seen": rt.wedge.keys_seen, "pending": rt.wedge._detector.pending[:80], "verdicts": verdicts, "modal": type(modal).__name__ if modal else None,
                 "language": rt.language.code, "mode": rt.settings.mode,
                 "settings": (work / "settings.json").read_text() if (work / "settings.json").exists() else None,
                 "top_windows": [type(t).__name__ for t in app.topLevelWidgets() if t.isVisible()]}
        _write(work / "state.json", json.dumps(state, ensure_ascii=False))
        timer.stop()
        w.shutdown()
        rt.stop()
        app.quit()

    QTimer.singleShot(800, setup)
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
