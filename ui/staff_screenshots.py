"""Developer tool: screenshots of the admin-PIN and staff dialogs for the README.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ui.staff_screenshots docs/screenshots

Builds a throw-away enrolled home (no platform), signs a staff code in, records a scan, and
grabs: the first-use PIN dialog, staff sign-in, the dispute dialog, the counter's paper check
and the gate's status bar with the staff button and a quarantine note.

Threads: not part of the app.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    out = Path((argv or sys.argv[1:] or ["docs/screenshots"])[0])
    out.mkdir(parents=True, exist_ok=True)
    from cache import Store
    from cache.identity import Identity
    from .app import AppOptions, build
    from .dialogs import NewPinDialog
    from .qt import QApplication
    from .staff import DisputeDialog, ManualCheckDialog, SignInDialog
    root = Path(__file__).resolve().parents[2] / "shared" / "spec" / "vectors" / "root.pem"
    if not root.exists():
        root = Path("/work/shared/spec/vectors/root.pem")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        with Store.open(home) as st:
            st.identity.save_identity(Identity(terminal_id="T-1", venue_id="V-1", platform_url="http://127.0.0.1:9",
                                               token="t", venue_secret=os.urandom(32),
                                               root_key_pem=root.read_bytes()))
            ev = st.outbox.append({"terminal": "T-1", "venue": "V-1", "mode": "gate", "valid": True, "reason": "ok"})
            st.outbox.quarantine({ev["id"]: ("schema", "event field 'policy' must be an identifier")}, at=1)

        def grab(widget, name: str) -> None:
            widget.show()
            for _ in range(5):
                app.processEvents()
            widget.grab().save(str(out / name))
            print(out / name)
            widget.close()

        for mode in ("gate", "counter"):
            rt = build(AppOptions(mode=mode, source="images:/nonexistent", home=home, sync=False, fullscreen=False),
                       app)
            svc, w = rt.service, rt.window
            if mode == "gate":
                grab(NewPinDialog(w.pin_guard, w), "pin-first-use.png")
                grab(SignInDialog(svc, w), "staff-sign-in.png")
                svc.add_staff("gate-07", "739164")
                svc.sign_in("gate-07", "739164")
                for text in ("EZ1:NOT-A-CODE", "HC1:NOPE"):
                    svc.scan(text)
                grab(DisputeDialog(svc, w), "staff-dispute.png")
                w.resize(1024, 640)
                w.on_status(svc.status(), (0, 0))
                w.show()
                for _ in range(5):
                    app.processEvents()
                bar = w.statusBar()
                bar.grab().save(str(out / "staff-status-bar.png"))
                print(out / "staff-status-bar.png")
            else:
                svc.sign_in("gate-07", "739164")
                grab(ManualCheckDialog(svc, w), "staff-paper-check.png")
            w.shutdown()
            rt.stop()
            svc.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
