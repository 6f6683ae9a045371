"""Full screen that holds (issue 11 defect 4): the window fills the primary screen with or without
a window manager, follows the screen's size, and comes back when it is minimised, shrunk, moved,
taken out of full screen or unmapped.

    keeper = FullScreenKeeper(window)
    keeper.set_active(wants_full_screen(settings, session=..., screenshot=...))

A bare X session (a kiosk image that starts only the app, `venue-terminal install`'s `xinit`
unit) has no window manager: `showFullScreen()` only sets _NET_WM_STATE_FULLSCREEN, which nobody
reads, and the window keeps its own size in a corner. So the keeper sets the geometry itself, the
primary screen's, and sets it again when the screen changes (RandR: QScreen.geometryChanged, a new
primary screen). With a window manager the same geometry is what the WM gives a full-screen window.

Re-asserting: any window-state change, resize, move or hide of the window schedules a check, and a
timer checks twice a second (an unmap from outside, under no WM, comes with no event on the widget:
only the QWindow stops being exposed). A window that is not visible and exposed, is minimised, is
not full screen or not the screen's size is shown full screen again (mapped again if it was
unmapped) and activated. While a dialog or a menu of the app is open (the admin PIN, Settings, the
staff menu) the keeper does nothing: the admin's dialog keeps the focus; the next check after it
closes fills the screen again.

Threads: GUI thread only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from .qt import QApplication, QDialog, QEvent, QObject, QRect, QTimer, QWidget
from .widgets import DESIGN_SIZE

log = logging.getLogger(__name__)

FULL_SCREEN_MODES = ("gate", "kiosk")


def wants_full_screen(settings, *, session: bool = False, screenshot: bool = False) -> bool:
    """Full screen is asked: always in a session of its own (every mode), else the fullscreen
    setting at the gate and the kiosk. Never for a screenshot run (the window's own size)."""
    if screenshot:
        return False
    return session or (bool(settings.fullscreen) and settings.mode in FULL_SCREEN_MODES)


def app_dialog_open(window: QWidget) -> bool:
    """A dialog or a popup of the app is showing (the admin's PIN or Settings, the staff menu)."""
    app = QApplication.instance()
    if app is None:
        return False
    if app.activeModalWidget() is not None or app.activePopupWidget() is not None:
        return True
    return any(isinstance(t, QDialog) and t.isVisible() for t in app.topLevelWidgets() if t is not window)


class FullScreenKeeper(QObject):
    CHECK_MS = 500

    def __init__(self, window: QWidget, *, busy: Callable[[], bool] | None = None, check_ms: int | None = None,
                 parent: QObject | None = None):
        super().__init__(parent or window)
        self.window = window
        self.busy = busy or (lambda: app_dialog_open(window))
        self.active = False
        self.reasserted = 0                   # how many times the window was put back (logged)
        self._screen = None
        self._handle = None                    # the QWindow watched for Expose (an unmap from outside)
        self._mapped_once = False              # "not mapped" counts once the window was on screen
        self._last_why: str | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms or self.CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._soon = QTimer(self)              # events come in bursts: one check after them
        self._soon.setSingleShot(True)
        self._soon.setInterval(50)
        self._soon.timeout.connect(self.check)
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.primaryScreenChanged.connect(self._follow_primary)

    # ------------------------------------------------------------------ on / off
    def set_active(self, on: bool) -> None:
        """On: fill the screen now and keep it filled. Off (a mode that is not full screen, after a
        settings change): back to a normal window of the design size."""
        was, self.active = self.active, on
        if on:
            self._follow_primary()
            self.fill(activate=True)
            self._timer.start()
        else:
            self._timer.stop()
            self._soon.stop()
            if was:
                self.window.showNormal()
                self.window.resize(*DESIGN_SIZE)

    def stop(self) -> None:
        """The app is closing: leave the window alone (a closed window is not to be shown again)."""
        self.active = False
        self._timer.stop()
        self._soon.stop()

    # ------------------------------------------------------------------ the screen
    def target(self) -> QRect | None:
        screen = self._screen or QApplication.primaryScreen()
        return screen.geometry() if screen is not None else None

    def _follow_primary(self, *_args) -> None:
        screen = QApplication.primaryScreen()
        if screen is self._screen:
            return
        if self._screen is not None:
            try:
                self._screen.geometryChanged.disconnect(self._screen_changed)
            except (RuntimeError, TypeError):    # the old screen is gone already
                pass
        self._screen = screen
        if screen is not None:
            screen.geometryChanged.connect(self._screen_changed)
            if self.active:
                self._screen_changed()

    def _screen_changed(self, *_args) -> None:
        if self.active:
            log.info("screen is now %s: filling it", _rect(self.target()))
            self.fill(activate=not self.busy())

    # ------------------------------------------------------------------ checking and filling
    def problem(self) -> str | None:
        """Why the window does not fill the screen now (None: it does)."""
        w = self.window
        handle = w.windowHandle()
        target = self.target()
        if not w.isVisible():
            return "hidden"
        if handle is not None and not handle.isExposed() and self._mapped_once:
            return "not mapped"
        if w.isMinimized():
            return "minimised"
        if not w.isFullScreen():
            return "not full screen"
        if target is not None and w.geometry() != target:
            return f"{_rect(w.geometry())} on a {_rect(target)} screen"
        if QApplication.activeWindow() is None:
            return "not active"           # (a WM's minimise that Qt does not see as one: matchbox)
        return None

    @property
    def ok(self) -> bool:
        return self.problem() is None

    def check(self) -> None:
        if not self.active or self.busy():
            return
        why = self.problem()
        if why is None:
            return
        self.reasserted += 1
        if why != self._last_why or self.reasserted % 100 == 0:    # a WM that keeps refusing: not every 0.5 s
            log.info("full screen again (%s; %d times so far)", why, self.reasserted)
        self._last_why = why
        self.fill(activate=True)

    def fill(self, *, activate: bool) -> None:
        w = self.window
        target = self.target()
        handle = w.windowHandle()
        if w.isVisible() and handle is not None and not handle.isExposed() and not w.isMinimized():
            w.hide()                              # unmapped from outside: only a new map brings it back
        if target is not None:
            w.setGeometry(target)                 # no window manager: nobody else sizes a full-screen window
        w.showFullScreen()
        self._watch_handle()
        if target is not None and w.geometry() != target:
            w.setGeometry(target)
        if activate:
            w.raise_()
            w.activateWindow()                    # the keyboard focus too (a wedge scanner types into it)

    def _watch_handle(self) -> None:
        handle = self.window.windowHandle()
        if handle is not None and handle is not self._handle:
            self._handle = handle
            handle.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:
        if obj is self._handle and ev.type() == QEvent.Type.Expose:
            if obj.isExposed():
                self._mapped_once = True
            elif self.active:
                self._soon.start()
            return False
        if obj is self.window and self.active and ev.type() in (
                QEvent.Type.WindowStateChange, QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Hide,
                QEvent.Type.WindowDeactivate):
            self._soon.start()
        return False


def _rect(r: QRect | None) -> str:
    return "none" if r is None else f"{r.width()}x{r.height()}+{r.x()}+{r.y()}"
