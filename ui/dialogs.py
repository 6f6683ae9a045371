"""Admin PIN entry and first setting (a big keypad usable on a touch screen) and the settings dialog behind it.

Threads: GUI thread only.
"""
from __future__ import annotations

import glob
import logging
import re
import sys

from vocab.spec import MODES

from .qt import (QT_TRANSLATE_NOOP, QApplication, QCheckBox, QComboBox, QCoreApplication, QDialog,
                 QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel,
                 QLineEdit, QMediaDevices, QPushButton, QRegularExpression, QRegularExpressionValidator,
                 QVBoxLayout, QWidget, Qt, Signal)
from terminal.pins import ADMIN, PIN_MAX, PIN_MIN, PinGuard, PinRefused, needs_rehash
from terminal.settings import DECODERS, Settings, SettingsError, check_source
from . import a11y
from .widgets import font

log = logging.getLogger(__name__)

PAD_WORDS = {"⌫": QT_TRANSLATE_NOOP("A11y", "delete"), "OK": QT_TRANSLATE_NOOP("A11y", "confirm")}


def cancel_button(dialog: QDialog, lay) -> QPushButton:
    """The dialog's Cancel button (named for assistive technology), added to `lay`."""
    b = QPushButton(QCoreApplication.translate("A11y", "Cancel"))
    a11y.name(b, QT_TRANSLATE_NOOP("A11y", "Cancel"))
    b.clicked.connect(dialog.reject)
    lay.addWidget(b)
    return b


class PinPad(QWidget):
    """A big keypad (touch screens) typing into `edit`: digits, delete, OK (emits `confirmed`)."""

    confirmed = Signal()

    def __init__(self, edit: QLineEdit, parent: QWidget | None = None):
        super().__init__(parent)
        self._edit = edit
        pad = QGridLayout(self)
        pad.setContentsMargins(0, 0, 0, 0)
        self.key_buttons: dict[str, QPushButton] = {}
        for i, k in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]):
            b = QPushButton(QCoreApplication.translate("PinPad", "OK") if k == "OK" else k)
            b.setFont(font(22, True))
            b.setMinimumSize(90, 64)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)      # the PIN field keeps the focus (and the keyboard)
            if k.isdigit():
                a11y.name_as(b, f"数字 {k}", f"digit {k}")
            else:
                a11y.name(b, PAD_WORDS[k])
            b.clicked.connect(lambda _=False, k=k: self._key(k))
            pad.addWidget(b, i // 3, i % 3)
            self.key_buttons[k] = b

    def set_target(self, edit: QLineEdit) -> None:
        self._edit = edit

    def _key(self, k: str) -> None:
        if k == "⌫":
            self._edit.backspace()
        elif k == "OK":
            self.confirmed.emit()
        else:
            self._edit.insert(k)


def pin_edit(accessible: str) -> QLineEdit:
    """A masked PIN field taking ASCII digits only (the rules are terminal/pins.py's); `accessible`:
    its English name, marked for translation in the A11y context (ui/a11y.py)."""
    e = QLineEdit()
    e.setEchoMode(QLineEdit.EchoMode.Password)
    e.setFont(font(24))
    e.setMaxLength(PIN_MAX)
    e.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]*"), e))
    a11y.name(e, accessible)
    return e


def wait_text(seconds: float) -> str:
    return QCoreApplication.translate("Pins", "Too many wrong PINs. Try again in %1 s.").replace(
        "%1", str(int(seconds) + 1))


def pin_rule_text(exc: PinRefused) -> str:
    """A PinRefused in the screen's language (terminal/pins.py words it in English for the CLI)."""
    msg = str(exc)
    if "repeated" in msg:
        return QCoreApplication.translate("Pins", "The PIN must not be one digit repeated")
    if "run" in msg:
        return QCoreApplication.translate("Pins", "The PIN must not be a run of digits such as 123456")
    if "digits" in msg:
        return QCoreApplication.translate("Pins", "The PIN must be %1 to %2 digits").replace(
            "%1", str(PIN_MIN)).replace("%2", str(PIN_MAX))
    return QCoreApplication.translate("Pins", "The PIN cannot be used: %1").replace("%1", msg)


_SOURCE_ERRORS = (    # (what terminal.settings.check_source / scanner.frames say, the words on screen)
    (("unknown frame source",), QT_TRANSLATE_NOOP("Settings", "Not a source this terminal knows: use camera:N, "
                                                              "camera:/dev/videoN, video:PATH or images:DIR")),
    (("empty source",), QT_TRANSLATE_NOOP("Settings", "Enter a source: camera:N, camera:/dev/videoN, video:PATH or "
                                                      "images:DIR")),
    (("needs a path",), QT_TRANSLATE_NOOP("Settings", "A video or an image folder needs its path, e.g. video:/path")),
    (("camera needs", "camera spec needs"), QT_TRANSLATE_NOOP("Settings", "A camera needs its number, device path or "
                                                                          "stream address, e.g. camera:0 or "
                                                                          "camera:/dev/video2")),
)


def source_error_text(exc: Exception) -> str:
    """A source spec's error (check_source: English for the CLI and the log) in the screen's language."""
    msg = str(exc)
    for keys, words in _SOURCE_ERRORS:
        if any(k in msg for k in keys):
            return QCoreApplication.translate("Settings", words)
    return msg


def settings_error_text(exc: Exception) -> str:
    """A SettingsError from the declaration's checks ("settings: KEY: detail", "settings: KEY must be
    ...") in the screen's language: the row's own label and the key, then the detail as it came."""
    m = re.match(r"settings: (\w+)(?:: | )(.*)", str(exc), re.S)
    if not m or m.group(1) not in {f.name for f in Settings.declared()}:
        return str(exc)
    key, detail = m.groups()
    label = QCoreApplication.translate("Settings", _LABELS.get(key, _ROW_LABELS.get(key, key)))
    return QCoreApplication.translate("Settings", "%1 (%2) cannot be used: %3").replace("%1", label).replace(
        "%2", key).replace("%3", detail)


class PinDialog(QDialog):
    """Asks for the admin PIN; accept() only with the right one. Wrong PINs count in the guard's
    lockout (terminal/pins.py: 5 free, then 30 s doubling to an hour, kept across restarts).
    After accept(), `legacy` says the PIN matched an old PBKDF2 hash (a new PIN is due), and
    `rehashed` holds its new stored form when the hash had other scrypt parameters than today's."""

    def __init__(self, guard: PinGuard, stored: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._guard = guard
        self._stored = stored
        self.legacy = False
        self.rehashed: str | None = None        # the same PIN under today's parameters, to be saved
        self.setWindowTitle(self.tr("Administrator PIN"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Administrator PIN"))
        lay = QVBoxLayout(self)
        self.prompt = QLabel(self.tr("Enter the administrator PIN"))
        self.prompt.setFont(font(18, True))
        self.edit = pin_edit(QT_TRANSLATE_NOOP("A11y", "PIN"))
        self.edit.returnPressed.connect(self.try_accept)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setFont(font(14, True))
        self.error.setWordWrap(True)
        lay.addWidget(self.prompt)
        lay.addWidget(self.edit)
        self.pad = PinPad(self.edit)
        self.pad.confirmed.connect(self.try_accept)
        self.key_buttons = self.pad.key_buttons
        lay.addWidget(self.pad)
        lay.addWidget(self.error)
        cancel_button(self, lay)

    def try_accept(self) -> bool:
        pin = self.edit.text()
        res = self._guard.check(ADMIN, pin, self._stored)
        self.edit.clear()
        if res.ok:
            self.legacy = res.legacy
            if not res.legacy and needs_rehash(self._stored):
                try:                               # older scrypt parameters: today's, with the same PIN
                    self.rehashed = self._guard.hash_new(pin)
                except PinRefused:                 # a PIN today's rules refuse: a new one is due
                    self.legacy = True
            self.accept()
            return True
        self.error.setText(wait_text(res.wait_s) if res.wait_s > 0 else self.tr("Wrong PIN"))
        return False


class NewPinDialog(QDialog):
    """Set a new PIN, typed twice, by the rules of terminal/pins.py. On accept `result_hash` is
    its stored form (hashed by the guard). `first`: the terminal has no usable admin PIN yet
    (first opening of Settings, or an old one that must be replaced), and the text says so."""

    def __init__(self, guard: PinGuard, parent: QWidget | None = None, *, first: bool = True,
                 title: str | None = None):
        super().__init__(parent)
        self._guard = guard
        self.result_hash: str | None = None
        self.setWindowTitle(title or self.tr("Set the administrator PIN"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Set the administrator PIN"))
        lay = QVBoxLayout(self)
        self.prompt = QLabel(self.tr("This terminal has no administrator PIN yet. Set one before anything else; "
                                     "scanning goes on meanwhile.") if first else
                             self.tr("Choose a new PIN"))
        self.prompt.setWordWrap(True)
        self.prompt.setFont(font(15, True))
        self.rule = QLabel(self.tr("%1 to %2 digits; not one digit repeated, not a run such as 123456.")
                           .replace("%1", str(PIN_MIN)).replace("%2", str(PIN_MAX)))
        self.rule.setWordWrap(True)
        self.pin1 = pin_edit(QT_TRANSLATE_NOOP("A11y", "New PIN"))
        self.pin2 = pin_edit(QT_TRANSLATE_NOOP("A11y", "Repeat new PIN"))
        form = QFormLayout()
        form.addRow(self.tr("New PIN"), self.pin1)
        form.addRow(self.tr("Repeat new PIN"), self.pin2)
        self.pad = PinPad(self.pin1)
        self.pad.confirmed.connect(self._confirm)
        self.pin1.returnPressed.connect(self._confirm)
        self.pin2.returnPressed.connect(self.try_accept)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setFont(font(14, True))
        self.error.setWordWrap(True)
        for w in (self.prompt, self.rule):
            lay.addWidget(w)
        lay.addLayout(form)
        lay.addWidget(self.pad)
        lay.addWidget(self.error)
        cancel_button(self, lay)
        QApplication.instance().focusChanged.connect(self._focus)

    def _focus(self, _old, new) -> None:
        if new in (self.pin1, self.pin2):
            self.pad.set_target(new)

    def _confirm(self) -> None:
        if self.pin1.hasFocus() or not self.pin2.text():
            self.pin2.setFocus()
            self.pad.set_target(self.pin2)
            if not self.pin2.text():
                return
        self.try_accept()

    def try_accept(self) -> bool:
        if self.pin1.text() != self.pin2.text():
            self.error.setText(self.tr("The two new PINs differ"))
            self.pin2.clear()
            return False
        try:
            self.result_hash = self._guard.hash_new(self.pin1.text())
        except PinRefused as exc:
            self.error.setText(pin_rule_text(exc))
            return False
        self.accept()
        return True


def camera_choices() -> list[tuple[str, str]]:
    """(label, source spec) for every camera found: Qt's video inputs as camera:<index> (their
    order, which on Linux follows the /dev/video* numbering OpenCV uses), then on Linux each
    /dev/video* device path as camera:/dev/videoN. Empty on a machine without cameras."""
    found: list[tuple[str, str]] = []
    if QMediaDevices is not None:
        try:
            for i, dev in enumerate(QMediaDevices.videoInputs()):
                found.append((f"camera:{i} — {dev.description()}", f"camera:{i}"))
        except Exception:  # noqa: BLE001 - a multimedia backend hiccup must not block the settings
            log.exception("listing Qt cameras failed")
    if sys.platform.startswith("linux"):
        def number(path: str) -> tuple[int, str]:
            m = re.search(r"(\d+)$", path)
            return (int(m.group(1)) if m else 1 << 30, path)
        for path in sorted(glob.glob("/dev/video*"), key=number):
            found.append((f"camera:{path}", f"camera:{path}"))
    return found


# Rows the dialog lays out itself; the rest come from the declaration in terminal/settings.py.
_OWN_ROWS = frozenset({"source", "decoder", "mode", "policy", "language", "scanner", "pin_hash", "dcc_trust"})
_LABELS = {
    "verdict_seconds": QT_TRANSLATE_NOOP("Settings", "Verdict hold time (s)"),
    "kiosk_verdict_seconds": QT_TRANSLATE_NOOP("Settings", "Kiosk verdict hold time (s)"),
    "kiosk_idle_seconds": QT_TRANSLATE_NOOP("Settings", "Kiosk idle after (s)"),
    "counter_clear_after_s": QT_TRANSLATE_NOOP("Settings", "Counter: clear holder after (s, 0 = never)"),
    "sound": QT_TRANSLATE_NOOP("Settings", "Sounds"),
    "voice": QT_TRANSLATE_NOOP("Settings", "Voice guidance"),
    "voice_volume": QT_TRANSLATE_NOOP("Settings", "Voice volume"),
    "sync_interval_s": QT_TRANSLATE_NOOP("Settings", "Sync every (s)"),
    "clock_skew_bound_s": QT_TRANSLATE_NOOP("Settings", "Clock difference allowed (s)"),
    "retention_days": QT_TRANSLATE_NOOP("Settings", "Keep uploaded scans (days)"),
    "http_timeout_s": QT_TRANSLATE_NOOP("Settings", "Platform timeout (s)"),
    "fullscreen": QT_TRANSLATE_NOOP("Settings", "Full screen"),
    "large_type": QT_TRANSLATE_NOOP("Settings", "Large type, high contrast"),
    "actuator_pulse_s": QT_TRANSLATE_NOOP("Settings", "Gate pulse (s)"),
    "actuator_timeout_s": QT_TRANSLATE_NOOP("Settings", "Gate command timeout (s)"),
    "pass_timeout_s": QT_TRANSLATE_NOOP("Settings", "Walk-through wait (s)"),
    "health_port": QT_TRANSLATE_NOOP("Settings", "Health endpoint port (0: off)"),
}
_ROW_LABELS = {      # the dialog's own rows (their labels are the dialog's tr() messages, the same words)
    "policy": QT_TRANSLATE_NOOP("Settings", "Venue policy file"),
    "dcc_trust": QT_TRANSLATE_NOOP("Settings", "EU DCC trust file"),
    "source": QT_TRANSLATE_NOOP("Settings", "Camera / source"),
}
_CHOICE_WORDS = {"auto": QT_TRANSLATE_NOOP("Settings", "At the kiosk only"), "on": QT_TRANSLATE_NOOP("Settings", "On"),
                 "off": QT_TRANSLATE_NOOP("Settings", "Off")}


class SettingsDialog(QDialog):
    """Camera, decoder, mode, policy file, platform URL, language and the admin PIN.

    platform_url: the enrolled identity's platform URL (editable; a changed one ends up in
    `result_platform_url` for the app to store), or None for a terminal that is not enrolled
    (the field is disabled: its platform comes from `venue-terminal enroll`).
    cameras: (label, spec) choices for the source box; None lists the cameras found here.
    """

    def __init__(self, settings: Settings, parent: QWidget | None = None, *, platform_url: str | None = None,
                 cameras: list[tuple[str, str]] | None = None, pin_guard: PinGuard | None = None,
                 open_staff=None):
        super().__init__(parent)
        self._settings = settings
        self._guard = pin_guard
        self._open_staff_codes = open_staff      # (parent) -> None: the staff codes dialog (ui/staff.py)
        self._platform_url = platform_url
        self.result_settings: Settings | None = None
        self.result_platform_url: str | None = None
        self.setWindowTitle(self.tr("Settings"))
        a11y.name(self, QT_TRANSLATE_NOOP("A11y", "Settings"))
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.source = QComboBox()
        self.source.setEditable(True)
        self.source.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        a11y.name(self.source, QT_TRANSLATE_NOOP("A11y", "Camera / source"))
        self.source.lineEdit().setPlaceholderText("camera:0 | video:PATH | images:DIR")
        self.source.setToolTip(self.tr("Pick a camera found on this terminal, or type camera:N, video:PATH or "
                                       "images:DIR"))
        choices = camera_choices() if cameras is None else list(cameras)
        if settings.source not in (spec for _, spec in choices):
            choices.insert(0, (settings.source, settings.source))
        for label, spec in choices:
            self.source.addItem(label, spec)
        self.source.setCurrentIndex(self.source.findData(settings.source))
        self.decoder = QComboBox()
        self.decoder.addItems(list(DECODERS))
        self.decoder.setCurrentText(settings.decoder)
        a11y.name(self.decoder, QT_TRANSLATE_NOOP("A11y", "Decoder"))
        self.mode = QComboBox()
        for m in MODES:
            self.mode.addItem({"gate": self.tr("Gate"), "kiosk": self.tr("Kiosk"), "counter": self.tr("Counter")}[m], m)
        self.mode.setCurrentIndex(MODES.index(settings.mode))
        a11y.name(self.mode, QT_TRANSLATE_NOOP("A11y", "Mode"))
        self.policy = QLineEdit(settings.policy)
        a11y.name(self.policy, QT_TRANSLATE_NOOP("A11y", "Venue policy file"))
        self.policy.setPlaceholderText(self.tr("default policy"))
        browse = QPushButton(self.tr("Browse…"))
        a11y.name(browse, QT_TRANSLATE_NOOP("A11y", "Browse for a venue policy file"))
        browse.clicked.connect(self._browse)
        prow = QHBoxLayout()
        prow.addWidget(self.policy, 1)
        prow.addWidget(browse)
        self.dcc_trust = QLineEdit(settings.dcc_trust)
        a11y.name(self.dcc_trust, QT_TRANSLATE_NOOP("A11y", "EU DCC trust file"))
        self.dcc_trust.setPlaceholderText(self.tr("none: the platform's DCC trust list only"))
        self.dcc_trust.setToolTip(self.tr("EU DCC (HC1) document signer certificates from a file, beside the "
                                          "list the platform syncs: a trust JSON file or PEM/DER certificates"))
        dcc_browse = QPushButton(self.tr("Browse…"))
        a11y.name(dcc_browse, QT_TRANSLATE_NOOP("A11y", "Browse for an EU DCC trust file"))
        dcc_browse.clicked.connect(self._browse_dcc)
        drow = QHBoxLayout()
        drow.addWidget(self.dcc_trust, 1)
        drow.addWidget(dcc_browse)
        self.platform_url = QLineEdit(platform_url or "")
        a11y.name(self.platform_url, QT_TRANSLATE_NOOP("A11y", "Platform URL"))
        if platform_url is None:
            self.platform_url.setEnabled(False)
            self.platform_url.setPlaceholderText(self.tr("not enrolled"))
            self.platform_url.setToolTip(self.tr("Set by enrolment. This terminal is not enrolled: run "
                                                 "venue-terminal enroll to connect it to a platform."))
        else:
            self.platform_url.setPlaceholderText("https://platform.example")
            self.platform_url.setToolTip(self.tr("The platform this enrolled terminal syncs with; a change "
                                                 "applies from the next sync."))
        self.language = QComboBox()
        self.language.addItem("中文", "zh")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if settings.language == "zh" else 1)
        a11y.name(self.language, QT_TRANSLATE_NOOP("A11y", "Language"))
        self.new_pin = pin_edit(QT_TRANSLATE_NOOP("A11y", "New PIN"))
        self.new_pin.setFont(font(11))
        self.new_pin.setPlaceholderText(self.tr("leave empty to keep the PIN"))
        self.new_pin2 = pin_edit(QT_TRANSLATE_NOOP("A11y", "Repeat new PIN"))
        self.new_pin2.setFont(font(11))
        form.addRow(self.tr("Camera / source"), self.source)
        form.addRow(self.tr("Decoder"), self.decoder)
        form.addRow(self.tr("Mode"), self.mode)
        form.addRow(self.tr("Venue policy file"), prow)
        form.addRow(self.tr("EU DCC trust file"), drow)
        form.addRow(self.tr("Platform URL"), self.platform_url)
        form.addRow(self.tr("Language"), self.language)
        # Every other declared setting (terminal/settings.py) gets its row from the declaration.
        self.extra: dict[str, QWidget] = {}
        for f in Settings.declared():
            if f.name in _OWN_ROWS or not f.metadata["flag"]:
                continue
            value, meta = getattr(settings, f.name), f.metadata
            if isinstance(f.default, bool):
                w = QCheckBox()
                w.setChecked(bool(value))
            elif meta["choices"]:
                w = QComboBox()
                for c in meta["choices"]:
                    w.addItem(QCoreApplication.translate("Settings", _CHOICE_WORDS.get(c, c)), c)
                w.setCurrentIndex(list(meta["choices"]).index(value))
            elif isinstance(f.default, (int, float)):
                w = QDoubleSpinBox()
                lo, hi = meta["range"]
                w.setRange(lo, hi)
                w.setDecimals(1 if hi > 1 else 2)
                w.setSingleStep(0.1 if hi <= 30 else 1.0)
                w.setValue(float(value))
            else:
                continue
            a11y.name(w, _LABELS.get(f.name, f.name), "Settings")
            w.setToolTip(meta["help"])
            self.extra[f.name] = w
            form.addRow(QCoreApplication.translate("Settings", _LABELS.get(f.name, f.name)), w)
        if pin_guard is not None:          # the PIN can only change where its guard (key, lockout) is known
            form.addRow(self.tr("New PIN"), self.new_pin)
            form.addRow(self.tr("Repeat new PIN"), self.new_pin2)
        if open_staff is not None:         # the venue's staff codes and PINs (enrolled terminals)
            self.staff_button = QPushButton(self.tr("Staff codes…"))
            a11y.name(self.staff_button, QT_TRANSLATE_NOOP("A11y", "Staff codes"))
            self.staff_button.clicked.connect(self._open_staff)
            form.addRow(self.tr("Staff"), self.staff_button)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.quit_button = QPushButton(self.tr("Quit the app"))
        a11y.name(self.quit_button, QT_TRANSLATE_NOOP("A11y", "Quit the app"))
        self.quit_requested = False
        self.quit_button.clicked.connect(self._quit)
        row.addWidget(self.quit_button)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        a11y.name(bb.button(QDialogButtonBox.StandardButton.Save), QT_TRANSLATE_NOOP("A11y", "Save"))
        a11y.name(bb.button(QDialogButtonBox.StandardButton.Cancel), QT_TRANSLATE_NOOP("A11y", "Cancel"))
        bb.accepted.connect(self.try_save)
        bb.rejected.connect(self.reject)
        row.addWidget(bb)
        lay.addLayout(row)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Venue policy"), "", "TOML (*.toml)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.policy.setText(path)

    def _browse_dcc(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("EU DCC trust file"), "",
                                              "JSON, PEM, DER (*.json *.pem *.crt *.cer *.der);;* (*)",
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.dcc_trust.setText(path)

    def _open_staff(self) -> None:
        self._open_staff_codes(self)

    def _quit(self) -> None:
        self.quit_requested = True
        self.reject()

    def source_spec(self) -> str:
        """The source as a spec: a listed camera's spec, or the text typed in."""
        text = self.source.currentText().strip()
        i = self.source.findText(text)
        return self.source.itemData(i) if i >= 0 and self.source.itemData(i) else text

    def try_save(self) -> bool:
        from terminal.config import ConfigError
        from terminal.service import check_platform_url
        url = None
        try:
            try:
                source = check_source(self.source_spec())
            except SettingsError as exc:
                raise SettingsError(self.tr("Invalid camera / source: %1").replace(
                    "%1", source_error_text(exc))) from None
            if self._platform_url is not None and self.platform_url.text().strip() != self._platform_url:
                from terminal.enrolment import same_origin
                try:
                    url = check_platform_url(self.platform_url.text())
                except ConfigError:
                    raise SettingsError(self.tr("The platform URL must start with https:// (http:// only for "
                                                "this computer) and name a host")) from None
                if not same_origin(url, self._platform_url):
                    # spec v2 section 6: the token never goes to a host this terminal did not enrol with
                    raise SettingsError(self.tr("Another platform host needs a new enrolment (venue-terminal "
                                                "enroll --code); the token is not moved"))
            extra = {}
            for name, w in self.extra.items():
                if isinstance(w, QCheckBox):
                    extra[name] = w.isChecked()
                elif isinstance(w, QComboBox):
                    extra[name] = w.currentData()
                else:
                    extra[name] = float(w.value())
            s = self._settings.with_(source=source,
                                     decoder=self.decoder.currentText(), mode=self.mode.currentData(),
                                     policy=self.policy.text().strip(), language=self.language.currentData(),
                                     dcc_trust=self.dcc_trust.text().strip(), **extra)
            if self._guard is not None and (self.new_pin.text() or self.new_pin2.text()):
                if self.new_pin.text() != self.new_pin2.text():
                    raise SettingsError(self.tr("The two new PINs differ"))
                try:
                    s = s.with_(pin_hash=self._guard.hash_new(self.new_pin.text()))
                except PinRefused as exc:
                    raise SettingsError(pin_rule_text(exc)) from None
        except SettingsError as exc:
            self.error.setText(settings_error_text(exc))
            return False
        self.result_settings = s
        self.result_platform_url = url if url is not None and url != self._platform_url else None
        self.accept()
        return True
