"""Admin PIN entry (a big keypad usable on a touch screen) and the settings dialog behind it.

Threads: GUI thread only.
"""
from __future__ import annotations

import glob
import logging
import re
import sys
import time

from vocab.spec import MODES

from .qt import (QT_TRANSLATE_NOOP, QCheckBox, QComboBox, QCoreApplication, QDialog, QDialogButtonBox,
                 QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                 QMediaDevices, QPushButton, QVBoxLayout, QWidget)
from terminal.settings import DECODERS, Settings, SettingsError, check_source
from .widgets import font

log = logging.getLogger(__name__)

MAX_TRIES = 5
LOCKOUT_SECONDS = 60


class PinDialog(QDialog):
    """Asks for the admin PIN; accept() only with the right one. Five wrong tries lock it for a minute."""

    _failures: list[float] = []      # shared across dialogs: closing and reopening does not reset the count

    def __init__(self, settings: Settings, parent: QWidget | None = None, clock=time.monotonic):
        super().__init__(parent)
        self._settings = settings
        self._clock = clock
        self.setWindowTitle(self.tr("Administrator PIN"))
        self.setAccessibleName("administrator PIN")
        lay = QVBoxLayout(self)
        self.prompt = QLabel(self.tr("Enter the administrator PIN"))
        self.prompt.setFont(font(18, True))
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setFont(font(24))
        self.edit.setAccessibleName("PIN")
        self.edit.returnPressed.connect(self.try_accept)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setFont(font(14, True))
        lay.addWidget(self.prompt)
        lay.addWidget(self.edit)
        pad = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.key_buttons = {}
        for i, k in enumerate(keys):
            b = QPushButton(k)
            b.setFont(font(22, True))
            b.setMinimumSize(90, 70)
            b.setAccessibleName({"⌫": "delete", "OK": "confirm"}.get(k, k))
            b.clicked.connect(lambda _=False, k=k: self._key(k))
            pad.addWidget(b, i // 3, i % 3)
            self.key_buttons[k] = b
        lay.addLayout(pad)
        lay.addWidget(self.error)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        lay.addWidget(cancel)

    def _key(self, k: str) -> None:
        if k == "⌫":
            self.edit.backspace()
        elif k == "OK":
            self.try_accept()
        else:
            self.edit.insert(k)

    def locked_for(self) -> float:
        now = self._clock()
        recent = [t for t in PinDialog._failures if now - t < LOCKOUT_SECONDS]
        PinDialog._failures[:] = recent
        if len(recent) >= MAX_TRIES:
            return LOCKOUT_SECONDS - (now - recent[-MAX_TRIES])
        return 0.0

    def try_accept(self) -> bool:
        wait = self.locked_for()
        if wait > 0:
            self.error.setText(self.tr("Too many wrong PINs. Try again in %1 s.").replace("%1", str(int(wait) + 1)))
            self.edit.clear()
            return False
        if self._settings.check_pin(self.edit.text()):
            PinDialog._failures.clear()
            self.accept()
            return True
        PinDialog._failures.append(self._clock())
        self.error.setText(self.tr("Wrong PIN"))
        self.edit.clear()
        return False


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
    "kiosk_idle_seconds": QT_TRANSLATE_NOOP("Settings", "Kiosk idle after (s)"),
    "sound": QT_TRANSLATE_NOOP("Settings", "Sounds"),
    "voice": QT_TRANSLATE_NOOP("Settings", "Voice guidance"),
    "voice_volume": QT_TRANSLATE_NOOP("Settings", "Voice volume"),
    "sync_interval_s": QT_TRANSLATE_NOOP("Settings", "Sync every (s)"),
    "clock_skew_bound_s": QT_TRANSLATE_NOOP("Settings", "Clock difference allowed (s)"),
    "retention_days": QT_TRANSLATE_NOOP("Settings", "Keep uploaded scans (days)"),
    "http_timeout_s": QT_TRANSLATE_NOOP("Settings", "Platform timeout (s)"),
    "fullscreen": QT_TRANSLATE_NOOP("Settings", "Full screen"),
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
                 cameras: list[tuple[str, str]] | None = None):
        super().__init__(parent)
        self._settings = settings
        self._platform_url = platform_url
        self.result_settings: Settings | None = None
        self.result_platform_url: str | None = None
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName("settings")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.source = QComboBox()
        self.source.setEditable(True)
        self.source.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.source.setAccessibleName("camera source")
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
        self.mode = QComboBox()
        for m in MODES:
            self.mode.addItem({"gate": self.tr("Gate"), "kiosk": self.tr("Kiosk"), "counter": self.tr("Counter")}[m], m)
        self.mode.setCurrentIndex(MODES.index(settings.mode))
        self.policy = QLineEdit(settings.policy)
        self.policy.setPlaceholderText(self.tr("default policy"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        prow = QHBoxLayout()
        prow.addWidget(self.policy, 1)
        prow.addWidget(browse)
        self.dcc_trust = QLineEdit(settings.dcc_trust)
        self.dcc_trust.setAccessibleName("EU DCC trust file")
        self.dcc_trust.setPlaceholderText(self.tr("none: the platform's DCC trust list only"))
        self.dcc_trust.setToolTip(self.tr("EU DCC (HC1) document signer certificates from a file, beside the "
                                          "list the platform syncs: a trust JSON file or PEM/DER certificates"))
        dcc_browse = QPushButton(self.tr("Browse…"))
        dcc_browse.clicked.connect(self._browse_dcc)
        drow = QHBoxLayout()
        drow.addWidget(self.dcc_trust, 1)
        drow.addWidget(dcc_browse)
        self.platform_url = QLineEdit(platform_url or "")
        self.platform_url.setAccessibleName("platform URL")
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
        self.new_pin = QLineEdit()
        self.new_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_pin.setPlaceholderText(self.tr("leave empty to keep the PIN"))
        self.new_pin.setAccessibleName("new PIN")
        self.new_pin2 = QLineEdit()
        self.new_pin2.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_pin2.setAccessibleName("repeat new PIN")
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
            w.setAccessibleName(QCoreApplication.translate("Settings", _LABELS.get(f.name, f.name)))
            w.setToolTip(meta["help"])
            self.extra[f.name] = w
            form.addRow(QCoreApplication.translate("Settings", _LABELS.get(f.name, f.name)), w)
        form.addRow(self.tr("New PIN"), self.new_pin)
        form.addRow(self.tr("Repeat new PIN"), self.new_pin2)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        row = QHBoxLayout()
        self.quit_button = QPushButton(self.tr("Quit the app"))
        self.quit_button.setAccessibleName("quit the app")
        self.quit_requested = False
        self.quit_button.clicked.connect(self._quit)
        row.addWidget(self.quit_button)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
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
                raise SettingsError(self.tr("Invalid camera / source: %1").replace("%1", str(exc))) from None
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
            if self.new_pin.text() or self.new_pin2.text():
                if self.new_pin.text() != self.new_pin2.text():
                    raise SettingsError(self.tr("The two new PINs differ"))
                s.set_pin(self.new_pin.text())
        except SettingsError as exc:
            self.error.setText(str(exc))
            return False
        self.result_settings = s
        self.result_platform_url = url if url is not None and url != self._platform_url else None
        self.accept()
        return True
