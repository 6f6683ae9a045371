"""Staff at the gate and the counter: sign in and out with a staff code and its own PIN, mark a
recent verdict as disputed (异议), record a paper certificate checked by hand (线下兜底), and
the admin's list of staff codes. Also the status bar's quarantine note.

Everything here goes through the TerminalService's staff methods (terminal/service.py), which
write `session`, `dispute` and `manual` events through the one outbox path; nothing here takes
free text (it would carry personal data): a code, a PIN, a certificate type, a result, one of
the spec's dispute codes. None of it is shown on the kiosk, the public screen.

Threads: GUI thread only. A PIN check takes ~0.35 s (scrypt); the scan workers do not wait.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from vocab.events import DISPUTE_CODES
from vocab.spec import CERT_TYPES, OPERATOR

from terminal.config import ConfigError
from terminal.staff import MAX_STAFF, StaffError

from . import texts as T
from . import a11y
from . import theme
from .dialogs import PinPad, cancel_button, pin_edit, pin_rule_text, wait_text
from .qt import (QT_TRANSLATE_NOOP, QAbstractItemView, QApplication, QComboBox, QCoreApplication, QDialog, QFormLayout,
                 QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMenu, QPushButton,
                 QRegularExpression, QRegularExpressionValidator, QToolButton, QVBoxLayout, QWidget, Qt, Signal)
from .widgets import font

log = logging.getLogger(__name__)

DISPUTE_WORDS = {
    "holder_disputes_refusal": QT_TRANSLATE_NOOP("Staff", "The holder disputes a refusal"),
    "holder_disputes_data": QT_TRANSLATE_NOOP("Staff", "The holder disputes the data shown"),
    "wrong_admission": QT_TRANSLATE_NOOP("Staff", "Admitted by mistake"),
    "suspected_misuse": QT_TRANSLATE_NOOP("Staff", "Suspected misuse of the code"),
}
assert set(DISPUTE_WORDS) == set(DISPUTE_CODES)


def _tr(text: str) -> str:
    """A message of the "Staff" context (its sources are marked with QT_TRANSLATE_NOOP)."""
    return QCoreApplication.translate("Staff", text)


NOT_RECORDED = QT_TRANSLATE_NOOP("Staff", "Not recorded: %1")


def _error_label() -> QLabel:
    e = QLabel()
    e.setStyleSheet("color: #c62828;")
    e.setFont(font(14, True))
    e.setWordWrap(True)
    return e


def code_edit() -> QLineEdit:
    """A staff code field: the spec's operator pattern only (no names, no spaces)."""
    e = QLineEdit()
    e.setFont(font(20))
    e.setMaxLength(32)
    e.setValidator(QRegularExpressionValidator(QRegularExpression(OPERATOR.pattern), e))
    a11y.name(e, QT_TRANSLATE_NOOP("A11y", "Staff code"))
    return e


class SignInDialog(QDialog):
    """Staff code and its PIN; accept() once the service signed the code in."""

    def __init__(self, service, parent: QWidget | None = None):
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(self.tr("Staff sign-in"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Staff sign-in"))
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.code = code_edit()
        self.pin = pin_edit(QT_TRANSLATE_NOOP("A11y", "Staff PIN"))
        form.addRow(self.tr("Staff code"), self.code)
        form.addRow(self.tr("PIN"), self.pin)
        lay.addLayout(form)
        self.pad = PinPad(self.pin)           # types into the field last focused (a code may be digits)
        self.pad.confirmed.connect(self.try_accept)
        QApplication.instance().focusChanged.connect(self._focus)
        self.code.setFocus()
        self.code.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self.try_accept)
        lay.addWidget(self.pad)
        self.error = _error_label()
        lay.addWidget(self.error)
        cancel_button(self, lay)

    def _focus(self, _old, new) -> None:
        if new in (self.code, self.pin):
            self.pad.set_target(new)

    def try_accept(self) -> bool:
        code, pin = self.code.text().strip(), self.pin.text()
        self.pin.clear()
        if not code:
            self.error.setText(self.tr("Enter your staff code"))
            return False
        try:
            res = self._service.sign_in(code, pin)
        except ConfigError as exc:
            log.error("sign-in refused: %s", exc)
            self.error.setText(self.tr("Staff sign-in needs an enrolled terminal in gate or counter mode"))
            return False
        if not res.ok:
            self.error.setText(wait_text(res.wait_s) if res.wait_s > 0 else self.tr("Wrong staff code or PIN"))
            return False
        self.accept()
        return True


def _record(dlg: QDialog, call) -> bool:
    """Run one of the service's record_* calls for `dlg`: accept with the event in `dlg.recorded`,
    or say why not in `dlg.error`."""
    try:
        dlg.recorded = call()
    except ConfigError as exc:
        log.error("%s not recorded: %s", dlg.accessibleName(), exc)
        dlg.error.setText(_tr(NOT_RECORDED).replace("%1", str(exc)))
        return False
    dlg.accept()
    return True


def _verdict_line(ev: dict, chinese: bool) -> str:
    ts = str(ev.get("ts", ""))
    try:
        hhmm = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")
    except ValueError:
        hhmm = ts[11:19]
    valid = bool(ev.get("valid"))
    word = QCoreApplication.translate("Staff", "Valid") if valid else T.reason_word(str(ev.get("reason", "")), chinese)
    kind = T.code_type_name(str(ev.get("typ") or "")) if ev.get("typ") else str(ev.get("profile") or "—")
    return f"{hhmm}   {'✓' if valid else '✗'}  {word}   {kind}"


class DisputeDialog(QDialog):
    """Pick one of the last verdicts of this terminal and one of the spec's dispute codes."""

    def __init__(self, service, parent: QWidget | None = None, *, limit: int = 10, chinese: bool = True):
        super().__init__(parent)
        self._service = service
        self.recorded: dict | None = None
        self.setWindowTitle(self.tr("Mark a verdict disputed"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Mark a verdict disputed"))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("Which verdict? (newest first)")))
        self.verdicts = QListWidget()
        self.verdicts.setFont(font(14))
        a11y.name(self.verdicts, QT_TRANSLATE_NOOP("A11y", "Recent verdicts"))
        self.verdicts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.events = service.recent_scans(limit)
        for ev in self.events:
            item = QListWidgetItem(_verdict_line(ev, chinese))
            item.setData(Qt.ItemDataRole.UserRole, ev["id"])
            self.verdicts.addItem(item)
        if self.events:
            self.verdicts.setCurrentRow(0)
        lay.addWidget(self.verdicts, 1)
        lay.addWidget(QLabel(self.tr("What is disputed?")))
        self.code_buttons: dict[str, QPushButton] = {}
        for code in DISPUTE_CODES:
            b = QPushButton(_tr(DISPUTE_WORDS[code]))
            b.setFont(font(15, True))
            b.setMinimumHeight(52)
            a11y.name(b, DISPUTE_WORDS[code], "Staff")
            b.setEnabled(bool(self.events))
            b.clicked.connect(lambda _=False, c=code: self.record(c))
            lay.addWidget(b)
            self.code_buttons[code] = b
        self.error = _error_label()
        if not self.events:
            self.error.setText(self.tr("No verdicts at this terminal yet"))
        lay.addWidget(self.error)
        cancel_button(self, lay)

    def record(self, code: str) -> bool:
        item = self.verdicts.currentItem()
        if item is None:
            self.error.setText(self.tr("Pick a verdict first"))
            return False
        return _record(self, lambda: self._service.record_dispute(item.data(Qt.ItemDataRole.UserRole), code))


class ManualCheckDialog(QDialog):
    """Staff checked a paper certificate by hand: its type and the result, nothing else. At the
    gate (`gate=True`) this is how staff open the gate by hand: "valid" records the `manual`
    event (with the operator signed in) and the caller pulses the gate under its id."""

    def __init__(self, service, parent: QWidget | None = None, *, gate: bool = False):
        super().__init__(parent)
        self._service = service
        self.recorded: dict | None = None
        self.gate = gate
        self.setWindowTitle(self.tr("Open the gate by hand") if gate else self.tr("Paper certificate checked by hand"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Open the gate by hand") if gate else
                  QT_TRANSLATE_NOOP("A11y", "Paper certificate checked by hand"))
        lay = QVBoxLayout(self)
        note = QLabel(self.tr("Check the holder's paper certificate. Valid opens the gate; only the kind of "
                              "certificate, the result and your staff code are recorded.") if gate else
                      self.tr("For a holder without a code: record only the kind of certificate and the result. "
                              "Nothing about the holder is kept."))
        note.setWordWrap(True)
        lay.addWidget(note)
        self.cert = QComboBox()
        self.cert.setFont(font(16))
        a11y.name(self.cert, QT_TRANSLATE_NOOP("A11y", "Certificate type"))
        for t in CERT_TYPES:
            self.cert.addItem(T.cert_type_name(t), t)
        form = QFormLayout()
        form.addRow(self.tr("Certificate"), self.cert)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.valid_button = QPushButton("✓ " + (self.tr("Certificate valid: open the gate") if gate
                                                else self.tr("Certificate valid")))
        self.invalid_button = QPushButton("✗ " + self.tr("Certificate not valid"))
        for b, ok, colour in ((self.valid_button, True, "#1b8a3a"), (self.invalid_button, False, "#c62828")):
            b.setFont(font(16, True))
            b.setMinimumHeight(60)
            b.setStyleSheet(f"background: {colour}; color: white;")
            a11y.name(b, QT_TRANSLATE_NOOP("A11y", "Certificate valid") if ok else
                      QT_TRANSLATE_NOOP("A11y", "Certificate not valid"))
            b.clicked.connect(lambda _=False, ok=ok: self.record(ok))
            row.addWidget(b)
        lay.addLayout(row)
        self.error = _error_label()
        lay.addWidget(self.error)
        cancel_button(self, lay)

    def record(self, valid: bool) -> bool:
        return _record(self, lambda: self._service.record_manual(self.cert.currentData(), valid))


class StaffCodesDialog(QDialog):
    """The admin's list of staff codes: add one with its PIN (typed twice), or remove one."""

    def __init__(self, service, parent: QWidget | None = None):
        super().__init__(parent)
        self._service = service
        self.setWindowTitle(self.tr("Staff codes"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Staff codes"))
        lay = QVBoxLayout(self)
        self.list = QListWidget()
        a11y.name(self.list, QT_TRANSLATE_NOOP("A11y", "Staff codes"))
        lay.addWidget(self.list, 1)
        self.remove_button = QPushButton(self.tr("Remove the selected code"))
        a11y.name(self.remove_button, QT_TRANSLATE_NOOP("A11y", "Remove the selected code"))
        self.remove_button.clicked.connect(self.remove_selected)
        lay.addWidget(self.remove_button)
        form = QFormLayout()
        self.code = code_edit()
        self.pin1 = pin_edit(QT_TRANSLATE_NOOP("A11y", "Their PIN"))
        self.pin2 = pin_edit(QT_TRANSLATE_NOOP("A11y", "Repeat the PIN"))
        for e in (self.code, self.pin1, self.pin2):
            e.setFont(font(14))
        form.addRow(self.tr("Staff code"), self.code)
        form.addRow(self.tr("Their PIN"), self.pin1)
        form.addRow(self.tr("Repeat the PIN"), self.pin2)
        lay.addLayout(form)
        hint = QLabel(self.tr("A staff code is the venue's code for a person (letters, digits, _ and -), never "
                              "a name or an ID number."))
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.add_button = QPushButton(self.tr("Add, or set a new PIN"))
        a11y.name(self.add_button, QT_TRANSLATE_NOOP("A11y", "Add, or set a new PIN"))
        self.add_button.clicked.connect(self.add)
        lay.addWidget(self.add_button)
        self.error = _error_label()
        lay.addWidget(self.error)
        close = QPushButton(self.tr("Close"))
        a11y.name(close, QT_TRANSLATE_NOOP("A11y", "Close"))
        close.clicked.connect(self.accept)
        lay.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        signed_in = self._service.operator
        for c in self._service.staff_codes():
            self.list.addItem(c + ("  ●" if c == signed_in else ""))
            self.list.item(self.list.count() - 1).setData(Qt.ItemDataRole.UserRole, c)

    def add(self) -> bool:
        code = self.code.text().strip()
        if self.pin1.text() != self.pin2.text():
            self.error.setText(self.tr("The two PINs differ"))
            return False
        try:
            self._service.add_staff(code, self.pin1.text())
        except StaffError as exc:
            msg = str(exc)
            if "at most" in msg:
                text = self.tr("This terminal holds at most %1 staff codes").replace("%1", str(MAX_STAFF))
            elif "staff code" in msg:
                text = self.tr("A staff code is 1 to 32 letters, digits, _ or -")
            else:
                text = pin_rule_text(exc)
            self.error.setText(text)
            return False
        except ConfigError as exc:
            self.error.setText(_tr(NOT_RECORDED).replace("%1", str(exc)))
            return False
        for e in (self.code, self.pin1, self.pin2):
            e.clear()
        self.error.setText("")
        self.refresh()
        return True

    def remove_selected(self) -> bool:
        item = self.list.currentItem()
        if item is None:
            return False
        self._service.remove_staff(item.data(Qt.ItemDataRole.UserRole))
        self.refresh()
        return True


class StaffButton(QToolButton):
    """The status bar's staff entry (gate and counter): who is signed in, and a menu with sign in or
    out, mark a verdict disputed, and (counter) a paper certificate checked by hand."""

    changed = Signal()                 # signed in/out or recorded something: the window refreshes

    def __init__(self, service, parent: QWidget | None = None, *, language=None):
        super().__init__(parent)
        self._service = service
        self._lang = language
        self.mode = "gate"
        self.setFont(font(12))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Staff"))
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.sign_in_action = self.menu_.addAction("")
        self.sign_out_action = self.menu_.addAction("")
        self.menu_.addSeparator()
        self.dispute_action = self.menu_.addAction("")
        self.manual_action = self.menu_.addAction("")
        self.open_gate_action = self.menu_.addAction("")
        self.open_gate: Callable[[str], object] | None = None   # pulses the gate for a manual event id (set_gate)
        self.sign_in_action.triggered.connect(self.sign_in)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.dispute_action.triggered.connect(self.dispute)
        self.manual_action.triggered.connect(self.manual)
        self.open_gate_action.triggered.connect(self.open_gate_by_hand)
        self.setMenu(self.menu_)
        self.retranslate()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.retranslate()

    def set_gate(self, open_gate: Callable[[str], object] | None) -> None:
        """A turnstile here: `open_gate(manual event id)` pulses it (None: no turnstile)."""
        self.open_gate = open_gate
        self.retranslate()

    def retranslate(self) -> None:
        op = self._service.operator
        self.setText(self.tr("Staff: %1").replace("%1", op) if op else self.tr("Staff sign-in"))
        self.sign_in_action.setText(self.tr("Sign in…") if not op else self.tr("Sign in as someone else…"))
        self.sign_out_action.setText(self.tr("Sign out"))
        self.sign_out_action.setEnabled(op is not None)
        self.dispute_action.setText(self.tr("Mark a verdict disputed…"))
        self.manual_action.setText(self.tr("Paper certificate checked by hand…"))
        self.manual_action.setVisible(self.mode == "counter")
        self.open_gate_action.setText(self.tr("Open the gate by hand…"))
        self.open_gate_action.setVisible(self.mode == "gate" and self.open_gate is not None)
        self.open_gate_action.setEnabled(op is not None)

    def _run(self, dlg: QDialog) -> bool:
        self.dialog = dlg
        ok = dlg.exec() == QDialog.DialogCode.Accepted
        self.retranslate()
        if ok:
            self.changed.emit()
        return ok

    def sign_in(self) -> bool:
        return self._run(SignInDialog(self._service, self.window()))

    def sign_out(self) -> None:
        self._service.sign_out()
        self.retranslate()
        self.changed.emit()

    def dispute(self) -> bool:
        chinese = self._lang.chinese if self._lang is not None else True
        return self._run(DisputeDialog(self._service, self.window(), chinese=chinese))

    def manual(self) -> bool:
        return self._run(ManualCheckDialog(self._service, self.window()))

    def open_gate_by_hand(self) -> bool:
        """Staff signed in at the gate: a paper check whose "valid" opens the gate (a `manual` event
        with the operator; the gate pulses under its id)."""
        if self.open_gate is None:
            return False
        dlg = ManualCheckDialog(self._service, self.window(), gate=True)
        ok = self._run(dlg)
        if ok and dlg.recorded is not None and dlg.recorded.get("valid") is True:
            self.open_gate(dlg.recorded["id"])
        return ok


class QuarantineNote(QLabel):
    """Status bar (staff screens): events the platform rejected, with its error codes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFont(font(12))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Events rejected by the platform"))
        self.apply_theme(False)
        self.hide()

    def apply_theme(self, high_contrast: bool) -> None:
        self.setStyleSheet(theme.status_text("warn", high_contrast))

    def show_status(self, st, public: bool) -> None:
        n = getattr(st, "events_quarantined", 0) if st is not None else 0
        if not n or public:
            self.hide()
            return
        errors = ", ".join(f"{code} ×{k}" for code, k in st.quarantine_errors.items())
        self.setText("⚠ " + self.tr("Rejected by the platform: %1 (%2)").replace("%1", str(n)).replace("%2", errors))
        self.setToolTip(self.tr("Kept on this terminal and not sent again. The platform said: %1")
                        .replace("%1", st.quarantine_detail or errors))
        self.show()
