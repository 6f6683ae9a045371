"""The main window: the current mode's view, the offline/stale banners, the status strip, the admin
entry, and the keyboard-wedge listener.

Threads: GUI thread only. Worker results arrive through queued signals connected in ui/app.py.
"""
from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone

from vocab import reasons as R
from vocab.reasons import Outcome
from terminal.verdict import Verdict

from . import a11y
from . import texts as T
from .dialogs import NewPinDialog, PinDialog, SettingsDialog
from .qt import (QT_TRANSLATE_NOOP, QApplication, QEvent, QKeyEvent, QLineEdit, QMainWindow, QObject, QPushButton,
                 QStackedWidget, QTextEdit, QTimer, Qt, QVBoxLayout, QWidget, Signal, Slot)
from terminal.pins import UNSET, PinGuard, admin_pin_state
from terminal.settings import Settings
from .views import CounterView, GateView, KioskView
from .widgets import Banner, StaffAlerts, StatusStrip, font, window_scale

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    MINIMUM = (480, 320)
    scan_requested = Signal(str, float, str)       # text, t_in, source: wedge scans go to the verify worker
    settings_saved = Signal(object)                # the new Settings (the app applies them)
    platform_url_saved = Signal(str)               # a changed platform URL (the app stores it in the identity)
    verdict_shown = Signal(object, float, float)   # verdict, t_in, perf_counter when painted
    recent_wanted = Signal()

    def __init__(self, *, settings: Settings, language, sound, platform_url: Callable[[], str | None] | None = None,
                 pin_guard: PinGuard | None = None, staff=None, policy: Callable[[], object] | None = None,
                 voice=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.voice = voice                     # ui.voice.VoiceGuide (None: no spoken guidance)
        self._policy = policy
        self.settings = settings
        self.pin_guard = pin_guard             # the admin PIN's key and lockout (beside the settings file)
        self._staff = staff                    # the TerminalService for staff sign-in and events (ui/staff.py)
        self._platform_url = platform_url      # the enrolled identity's URL, None when not enrolled
        self.language = language
        self.sound = sound
        self.status = None
        self.sync_report = None              # the last terminal.sync.SyncReport (on_sync_report)
        self.camera_state = "opening"
        self.local_counts = [0, 0]
        self.local_recent: list[dict] = []
        self.verdicts_shown = 0
        self.gate_link = None                # ui.gate_link.GateLink (set_gate), None: no turnstile here
        self.gate_fault: str | None = None   # the actuator's fault, shown to staff (StaffAlerts)
        self.shown_gate_ref: str | None = None   # the ref the gate pulses for the verdict on screen
        self._allow_close = False
        self._on_close: Callable[[], None] | None = None
        self.setObjectName("MainWindow")
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Venue Terminal"))
        # An explicit minimum: the content's own minimum (over 1000 px wide, from the widest of the
        # three views) must not stop the window fitting an 800x480 or a portrait screen; every view
        # scales its type to the window instead (resizeEvent, tests/ui/test_layout.py).
        self.setMinimumSize(*self.MINIMUM)
        self.ui_scale = 1.0
        self.large_type = False                    # settings large_type: set_large_type()

        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.offline_banner = Banner("bad")
        a11y.name(self.offline_banner, QT_TRANSLATE_NOOP("A11y", "Offline notice"))
        self.stale_banner = Banner("warn")
        a11y.name(self.stale_banner, QT_TRANSLATE_NOOP("A11y", "Trust data notice"))
        self.alerts = StaffAlerts()               # staff warnings, large (gate and counter only)
        lay.addWidget(self.offline_banner)
        lay.addWidget(self.stale_banner)
        lay.addWidget(self.alerts)
        self.views = QStackedWidget()
        self.gate = GateView(language=language, verdict_seconds=settings.verdict_seconds)
        self.kiosk = KioskView(language=language, verdict_seconds=settings.kiosk_verdict_seconds,
                               idle_seconds=settings.kiosk_idle_seconds)
        self.counter = CounterView(language=language, clear_after_s=settings.counter_clear_after_s,
                                   terminal_id=lambda: self.status.terminal_id if self.status is not None else None,
                                   authority_names=self._authority_names)
        for v in (self.gate, self.kiosk, self.counter):
            self.views.addWidget(v)
            v.panel.painted.connect(self.verdict_shown)
            v.panel.policy_source = policy        # the venue policy in force: its explanations on screen
        self.kiosk.toggle_language.connect(self.toggle_language)
        self.kiosk.woken.connect(self.speak_guide)
        self.kiosk.admin_requested.connect(self.open_admin)
        lay.addWidget(self.views, 1)
        self.setCentralWidget(central)

        self.strip = StatusStrip()
        self.admin_button = QPushButton()
        self.admin_button.setFont(font(12))
        a11y.name(self.admin_button, QT_TRANSLATE_NOOP("A11y", "Settings"))
        self.admin_button.clicked.connect(self.open_admin)
        self.statusBar().addWidget(self.strip, 1)
        from .staff import QuarantineNote, StaffButton
        self.quarantine_note = QuarantineNote()
        self.statusBar().addPermanentWidget(self.quarantine_note)
        self.staff_button = StaffButton(staff, self, language=language) if staff is not None else None
        if self.staff_button is not None:
            self.staff_button.changed.connect(self.recent_wanted)
            self.statusBar().addPermanentWidget(self.staff_button)
        self.statusBar().addPermanentWidget(self.admin_button)
        self.set_mode(settings.mode)
        self.set_large_type(settings.large_type)
        self.retranslate()

    def _authority_names(self) -> dict[str, str]:
        """Issuer id -> display name from the service's trust list (the counter shows names, not ids)."""
        names = getattr(self._staff, "authority_names", None)
        return names() if names is not None else {}

    # ------------------------------------------------------------------ mode and language
    @property
    def view(self):
        return self.views.currentWidget()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.views.setCurrentWidget({"gate": self.gate, "kiosk": self.kiosk, "counter": self.counter}[mode])
        self.admin_button.setVisible(mode != "kiosk")     # the kiosk has its own small ⚙ in the corner
        # the public sees nothing of uploads, the platform or the trust data: no status bar at the kiosk
        self.statusBar().setVisible(mode != "kiosk")
        if self.staff_button is not None:                  # staff screens only: nothing of staff at the kiosk
            self.staff_button.set_mode(mode)
            self.staff_button.setVisible(mode != "kiosk" and self.status is not None and self.status.enrolled)
        if mode == "counter":
            self.recent_wanted.emit()
        self._show_status()

    @property
    def locked(self) -> bool:
        """Kiosk mode can only be left with the admin PIN."""
        return self.mode == "kiosk" and not self._allow_close

    @Slot()
    def toggle_language(self) -> None:
        self.set_language("en" if self.language.chinese else "zh")
        if self.mode == "kiosk":
            self.speak_guide()                 # a person pressed it: tell them what to do, in their language

    @Slot()
    def speak_guide(self) -> None:
        if self.voice is not None:
            self.voice.say(*T.IDLE_PROMPT, chinese=self.language.chinese)

    def set_language(self, code: str) -> None:
        self.language.set(code)   # installs/removes the translator: Qt sends LanguageChange
        self.settings.language = code
        self.retranslate()

    def resizeEvent(self, ev) -> None:
        self.apply_scale(window_scale(self.width(), self.height()))
        super().resizeEvent(ev)

    def set_large_type(self, on: bool) -> None:
        """Large type and high contrast (settings large_type), at once: every view's type 1.3 times
        larger, black, white and yellow, the verdicts still green, red and yellow (ui/theme.py)."""
        from . import theme
        self.large_type = on
        self.setStyleSheet(theme.stylesheet(on))   # with the focus ring (Tab through the kiosk)
        for v in (self.gate, self.kiosk):
            v.apply_theme(on)
        self.counter.panel.set_high_contrast(on)
        self.counter.empty_note.setStyleSheet(f"color: {theme.colours(on)['note']};")
        for w in (self.strip, self.alerts, self.offline_banner, self.stale_banner, self.quarantine_note):
            w.apply_theme(on)             # the status bar, the staff warnings and the banners too
        self.apply_scale(self.ui_scale)

    def apply_scale(self, s: float) -> None:
        """Type sizes for this window size (widgets.window_scale; 1: the design size, 1280x800), and
        larger again with large type."""
        self.ui_scale = s
        if self.large_type:
            from .theme import BOOST
            s *= BOOST
        for v in (self.gate, self.kiosk, self.counter):
            v.set_scale(s)
        for w in (self.strip, self.alerts, self.offline_banner, self.stale_banner):
            w.set_scale(s)
        self.admin_button.setFont(font(12 * max(0.85, min(1.3, s))))

    def changeEvent(self, ev) -> None:
        if ev.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(ev)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Venue Terminal"))
        self.admin_button.setText("⚙ " + self.tr("Settings"))
        if self.staff_button is not None:
            self.staff_button.retranslate()
        for v in (self.gate, self.kiosk, self.counter):
            v.retranslate()
        self._show_status()

    # ------------------------------------------------------------------ worker results (queued, GUI thread)
    @Slot(object, float)
    def on_frame(self, img, corners, t_in: float = 0.0) -> None:
        self.view.set_frame(img, corners, t_in)

    @Slot(object, float, str, str)
    def on_verdict(self, v: Verdict, t_in: float, source: str = "camera", text: str = "") -> None:
        self.show_verdict(v, t_in)

    @Slot(float)
    def on_unreadable(self, t_in: float) -> None:
        self.show_verdict(Verdict(valid=False, reason=R.UNREADABLE, detail="no code could be read in the image"), t_in)

    def show_verdict(self, v: Verdict, t_in: float) -> None:
        self.verdicts_shown += 1
        self.last_verdict = v
        out = T.ui_outcome(v)
        self.view.show_verdict(v, t_in)
        # painted now, not at the next turn of the event loop: when verdicts arrive together (a
        # backlog after a slow first scan) each one is drawn, and `verdict_shown` fires for each
        self.view.panel.repaint()
        self.shown_gate_ref = self.gate_link.ref_for(v) if self.gate_link is not None else None
        if self.shown_gate_ref is not None:
            res = self.gate_link.result_for(self.shown_gate_ref)
            if res is not None and not res[0]:
                out = self._gate_failed(res[1])                  # the pulse failed before the verdict showed
            elif res is None and self.gate_link.state == "fault":
                out = self._gate_failed(self.gate_link.fault or "")   # a known fault: amber now, green if it opens
        self.sound.play(out)
        if self.voice is not None:
            self.voice.say(*T.spoken_prompt(v, self._policy() if self._policy else None),
                           chinese=self.language.chinese)
        if self.status is None or not self.status.enrolled:
            if out is not Outcome.CHECK:                 # amber (unreadable...) is never a refusal
                self.local_counts[0 if out is Outcome.ADMIT else 1] += 1
            self.local_recent.insert(0, {"ts": datetime.now(timezone.utc).isoformat(), "valid": v.valid,
                                         "reason": v.reason, "typ": v.credential.typ if v.credential else None,
                                         "profile": v.profile})
            del self.local_recent[200:]
            self.view.set_counts(*self.local_counts)
            if self.mode == "counter":
                self.counter.set_recent(self.local_recent)
        else:
            self.recent_wanted.emit()

    # ------------------------------------------------------------------ the gate (ui/gate_link.py)
    def set_gate(self, gate) -> None:
        """Show what the turnstile does: an admission it did not open for turns amber, its fault
        goes to staff, and staff signed in can open it by hand (Staff menu)."""
        self.gate_link = gate
        gate.pulsed.connect(self.on_gate_pulse)
        gate.state_changed.connect(self.on_gate_state)
        self.gate_fault = gate.fault if gate.state == "fault" else None
        self.on_gate_state(gate.state, gate.fault or "")

    def _gate_failed(self, fault: str) -> Outcome:
        self.view.panel.show_gate_fault(fault)
        return Outcome.CHECK

    @Slot(str, bool, str)
    def on_gate_pulse(self, ref: str, opened: bool, why: str) -> None:
        if ref != self.shown_gate_ref or not getattr(self.view, "showing_verdict", True):
            return
        panel = self.view.panel
        if not opened:
            if panel.gate_fault is None:
                self.sound.play(Outcome.CHECK)
            panel.show_gate_fault(why)
        elif panel.gate_fault is not None:
            panel.show_gate_fault(None)                          # it opened after all

    @Slot(str, str)
    def on_gate_state(self, state: str, fault: str) -> None:
        self.gate_fault = (fault or "fault") if state == "fault" else None
        if self.staff_button is not None and self.gate_link is not None:    # (a new actuator setting too)
            self.staff_button.set_gate(self.gate_link.open_by_hand if self.gate_link.configured else None)
        self._show_status()

    @Slot(object, object)
    def on_status(self, st, counts) -> None:
        self.status = st
        if st is not None and st.enrolled:
            self.view.set_counts(*counts)
        self._show_status()

    @Slot(object)
    def on_sync_report(self, rep) -> None:
        """A sync round finished (SyncController.syncFinished): the online state, the last sync,
        its error, the clock skew and the backlog come from the report at once, before the next
        status poll re-reads them from the store (where the round saved the same values)."""
        self.sync_report = rep
        st = self.status
        if st is None or not st.enrolled:
            return
        self.status = dataclasses.replace(
            st, online=rep.ok, last_sync=rep.finished_at if rep.finished_at is not None else st.last_sync,
            last_sync_error=rep.error or None, events_pending=rep.pending,
            clock_skew_s=rep.clock_skew_s if rep.clock_skew_s is not None else st.clock_skew_s)
        self._show_status()

    @Slot(object)
    def on_recent(self, events: list) -> None:
        if self.status is not None and self.status.enrolled:
            self.counter.set_recent([e for e in events if _is_today(e.get("ts"))])

    @Slot(str)
    def on_camera_state(self, state: str) -> None:
        self.camera_state = state
        self._show_status()

    def _show_status(self) -> None:
        st = self.status
        self.strip.show_status(st, self.camera_state)
        public = self.mode == "kiosk"
        self.quarantine_note.show_status(st, public=public)
        self.alerts.show_status(st, self.camera_state, language=self.language, public=public,
                                gate_fault=self.gate_fault)
        if self.staff_button is not None:
            self.staff_button.setVisible(self.mode != "kiosk" and st is not None and st.enrolled)
            self.staff_button.retranslate()            # who is signed in (also after a sign-out elsewhere)
        if st is None:
            return
        if st.enrolled and st.online is False and not public:
            msg = self.tr("Offline: the platform cannot be reached. Scanning goes on; the scan log uploads later.")
            sec = self.language.secondary("Offline: the platform cannot be reached. "
                                          "Scanning goes on; the scan log uploads later.")
            self.offline_banner.setText(msg + (f"\n{sec}" if sec else ""))
            self.offline_banner.show()
        else:
            self.offline_banner.hide()
        if (st.trust_stale or st.trust_iat is None) and not public:
            if st.trust_stale:
                msg = self.tr("Trust data out of date: valid codes show amber, please see staff. Sync the terminal.")
                sec = self.language.secondary("Trust data out of date: valid codes show amber, please see staff. "
                                              "Sync the terminal.")
            else:
                msg = self.tr("No trust data: enrol and sync this terminal.")
                sec = self.language.secondary("No trust data: enrol and sync this terminal.")
            self.stale_banner.setText(msg + (f"\n{sec}" if sec else ""))
            self.stale_banner.show()
        else:
            self.stale_banner.hide()

    # ------------------------------------------------------------------ admin
    @Slot()
    def open_admin(self) -> bool:
        """⚙: the admin PIN, then Settings. Without a usable admin PIN (the first opening, the old
        default 2580) a new one is set first; an old PBKDF2 PIN opens once and is then replaced
        (terminal/pins.py). Only this dialog waits: scanning goes on behind it."""
        guard = self.pin_guard
        if guard is None:
            log.error("no PIN guard: settings cannot be opened")
            return False
        state = admin_pin_state(self.settings.pin_hash, guard)
        legacy = False
        if state != UNSET:
            pin = PinDialog(guard, self.settings.pin_hash, self)
            self.pin_dialog = pin
            if pin.exec() != PinDialog.DialogCode.Accepted:
                return False
            legacy = pin.legacy
            if pin.rehashed is not None and not legacy:
                s = self.settings.with_(pin_hash=pin.rehashed)
                self.settings_saved.emit(s)
                self.settings = s
        if state == UNSET or legacy:
            new = NewPinDialog(guard, self, first=True)
            self.new_pin_dialog = new
            if new.exec() != NewPinDialog.DialogCode.Accepted:
                return False
            s = self.settings.with_(pin_hash=new.result_hash)
            self.settings_saved.emit(s)        # saved now (0600), even if Settings is then cancelled
            self.settings = s
        try:
            url = self._platform_url() if self._platform_url is not None else None
        except Exception:  # noqa: BLE001 - an unreadable identity: the field is left disabled, the rest works
            log.exception("reading the platform URL failed")
            url = None
        staff = self._open_staff_codes if self._staff is not None and self.status is not None \
            and self.status.enrolled else None
        dlg = SettingsDialog(self.settings, self, platform_url=url, pin_guard=guard, open_staff=staff)
        self.settings_dialog = dlg
        ok = dlg.exec() == SettingsDialog.DialogCode.Accepted
        if dlg.quit_requested:
            self.shutdown()
            return True
        if ok and dlg.result_platform_url is not None:
            self.platform_url_saved.emit(dlg.result_platform_url)
        if ok and dlg.result_settings is not None:
            self.settings_saved.emit(dlg.result_settings)
        return ok

    def _open_staff_codes(self, parent: QWidget) -> None:
        from .staff import StaffCodesDialog
        self.staff_codes_dialog = StaffCodesDialog(self._staff, parent)
        self.staff_codes_dialog.exec()

    def apply_settings(self, s: Settings) -> None:
        old = self.settings
        self.settings = s
        if s.language != self.language.code:
            self.set_language(s.language)
        if s.mode != old.mode:
            self.set_mode(s.mode)
        self.gate.verdict_seconds, self.kiosk.verdict_seconds = s.verdict_seconds, s.kiosk_verdict_seconds
        self.counter.set_clear_after(s.counter_clear_after_s)
        if s.large_type != old.large_type:
            self.set_large_type(s.large_type)
        self.sound.enabled = s.sound
        if self.voice is not None:
            self.voice.enabled, self.voice.volume = s.voice_on(), s.voice_volume

    # ------------------------------------------------------------------ closing
    def set_on_close(self, fn: Callable[[], None]) -> None:
        self._on_close = fn

    def shutdown(self) -> None:
        """Close for real (admin quit, --exit-after, tests)."""
        self._allow_close = True
        self.close()

    def closeEvent(self, ev) -> None:
        if self.locked:
            ev.ignore()
            return
        if self._on_close is not None:
            fn, self._on_close = self._on_close, None
            fn()
        ev.accept()

    def keyPressEvent(self, ev) -> None:
        if self.locked and ev.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F4):
            ev.ignore()
            return
        super().keyPressEvent(ev)


def _is_today(ts) -> bool:
    """A scan-log timestamp (RFC 3339 UTC) falls on today's local date."""
    try:
        when = datetime.fromisoformat(str(ts).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return False
    return when.date() == datetime.now().astimezone().date()


class WedgeFilter(QObject):
    """Keyboard-wedge scanners type the code and press Enter. Installed on the QApplication, this
    filter sees every key once (at the widget that has focus, or the window when none has) and
    feeds the pure burst detector (scanner.wedge) with the event's own timestamp.

    A scan must never press the focused control: codes contain spaces, and Space or Enter on a
    button clicks it (the PIN dialog opened at the gate, the kiosk's language toggled on every
    space). So every text key (and Enter) aimed at a control that is not a text field is held
    back. If it ends a burst as a scan, the held keys are dropped and the scan is emitted. If the
    keys stop before that (for `hold_ms`, longer than the scanner's gap between keys), they were a
    person's and are delivered to the same control, press and release, a few tens of milliseconds
    late: the kiosk stays fully usable by keyboard. Typing into text fields (settings, PIN) is
    left alone."""

    scanned = Signal(str, float, str)

    def __init__(self, window: QMainWindow, detector, parent: QObject | None = None, *, hold_ms: int | None = None):
        super().__init__(parent)
        self._window = window
        self._detector = detector
        self.keys_seen = 0
        self._held: list[tuple[QWidget, int, Qt.KeyboardModifier, str]] = []
        self._held_keys: set[int] = set()
        self._replaying = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(hold_ms if hold_ms is not None
                                else int(max(detector.max_gap_ms, detector.first_gap_ms)) + 20)
        self._timer.timeout.connect(self._release_held)

    def eventFilter(self, obj, ev) -> bool:
        et = ev.type()
        if et not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) or self._replaying:
            return False
        if not isinstance(obj, QWidget):
            return False                              # the QWindow copy of the same key
        focus = QApplication.focusWidget()
        if obj is not (focus if focus is not None else obj.window()):
            return False                              # propagation to parents: already counted
        if obj.window() is not self._window or isinstance(obj, (QLineEdit, QTextEdit)):
            return False
        key = ev.key()
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        token = "\n" if enter else ev.text()
        if et == QEvent.Type.KeyRelease:
            # the release of a key we hold back is held too (delivered with its press, or dropped)
            return key in self._held_keys or (len(token) == 1 and token.isprintable() and bool(self._held))
        if not token:
            return False
        self.keys_seen += 1
        ts = float(ev.timestamp()) if ev.timestamp() else time.monotonic() * 1000
        code = self._detector.feed(token, ts)
        if code:
            self._timer.stop()
            self._held.clear()
            self._held_keys.clear()
            self.scanned.emit(code, time.perf_counter(), "wedge")
            return True
        if not (enter or (len(token) == 1 and token.isprintable())):
            self._release_held()                      # Tab, arrows, Escape...: a person; deliver in order
            return False
        self._held.append((obj, key, ev.modifiers(), ev.text()))
        self._held_keys.add(key)
        self._timer.start()
        return True

    def _release_held(self) -> None:
        """The held keys were not a scan: deliver them, in order, to the control they were aimed at."""
        self._timer.stop()
        held, self._held = self._held, []
        self._held_keys.clear()
        if len(held) >= self._detector.min_length:
            log.info("dropped %d fast keys that did not end as a scan (a scanner without Enter?)", len(held))
            return
        self._replaying = True
        try:
            for target, key, mods, text in held:
                if target is None or not target.isVisible():
                    continue
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(target, QKeyEvent(kind, key, mods, text))
        finally:
            self._replaying = False
