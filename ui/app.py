"""The composition root: builds the service, settings, workers and window, wires their signals,
and runs the Qt event loop. Nothing else in ui/ creates long-lived objects on its own.

    from ui.app import AppOptions, main
    main(AppOptions(mode="gate", source="video:demo.avi", home="/var/lib/venue"))

Threads: `build`/`main` run on the GUI thread; they start the capture, verify and status
QThreads (see ui/workers.py) and the sync controller (ui/syncing.py: each round's SyncReport
arrives as its syncFinished signal and goes to the window), and `Runtime.stop` (from closeEvent)
stops them with a flag, then quit() and wait().
"""
from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .qt import QApplication, QFont, QFontDatabase, QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
             "PingFang SC")


@dataclass
class AppOptions:
    mode: str | None = None             # overrides the settings file
    source: str | None = None
    scanner: str | None = None          # a serial handheld scanner, serial:PORT[@BAUD] (overrides settings)
    home: str | Path | None = None      # terminal home (enrolled: cache.Store there; also holds ui-settings.json)
    policy: str | None = None
    root_key: str | None = None         # an unenrolled terminal: trust data from files
    trust_list: str | None = None
    revocations: str | None = None
    dcc_cert: tuple[str, ...] = ()     # EU DCC: DSC certificate files (--dcc-cert), beside settings.dcc_trust
    dcc_trust: tuple[str, ...] = ()    # EU DCC: trust JSON files (--dcc-trust)
    decoder: str | None = None
    language: str | None = None
    settings_path: str | Path | None = None
    fullscreen: bool | None = None
    screenshot: str | None = None
    exit_after: float | None = None
    image_interval: float | None = None   # images: source, seconds between images (default: verdict time)
    loop_media: bool = False
    quit_when_done: float | None = None   # quit this many seconds after a video/images source ended and
                                          # the scan log is uploaded (the demo)
    sync: bool = True
    sync_interval_s: float | None = None
    status_interval_ms: int = 1000
    clock: Callable[[], float] = time.time
    service: Any = None                  # a ready TerminalService (tests, bench, demo)
    overrides: tuple[str, ...] = ()      # --set KEY=VALUE, typed by terminal.settings
    on_verdict: Callable[[Any, str], None] | None = None   # (verdict, text), GUI thread (the demo prints)
    voice_engine: str | None = None      # Qt TextToSpeech engine (None: $VENUE_TTS_ENGINE or speechd; "none")
    session: bool = False                # the app is the whole X session (venue-terminal install): it fills
                                         # the screen in every mode, with no window manager to do it, and
                                         # leaves syncing to the sync timer


def pick_font(app: QApplication) -> None:
    """Chinese first: use a CJK font when one is installed (boxes otherwise)."""
    families = set(QFontDatabase.families())
    for fam in CJK_FONTS:
        if fam in families:
            f = QFont(fam)
            f.setPointSize(11)
            app.setFont(f)
            return


def settings_path_for(opts: AppOptions) -> Path:
    if opts.settings_path:
        return Path(opts.settings_path)
    from terminal.settings import settings_path
    return settings_path(opts.home)


def make_service(opts: AppOptions, settings):
    """The TerminalService: from files (unenrolled) or from the enrolled home; not enrolled and no
    files, it still runs (every code is an unknown issuer and the banner says why)."""
    from terminal.service import open_service
    return open_service(home=opts.home, root_key=opts.root_key, trust_list=opts.trust_list,
                        revocations=opts.revocations, mode=settings.mode, policy=settings.policy or None,
                        dcc=dcc_from_files(opts, settings), clock=opts.clock, allow_unenrolled=True,
                        venue_store=settings.venue_store or None,
                        venue_store_password_file=settings.venue_store_password_file or None)


def dcc_from_files(opts: AppOptions, settings):
    """EU DCC trust from files: the dcc_trust setting and --dcc-cert/--dcc-trust (None: none given;
    the synced DCC trust list of an enrolled home is added by the service). ConfigError for a bad file."""
    from terminal.trust_files import load_dcc_file, load_dcc_trust
    if not (settings.dcc_trust or opts.dcc_cert or opts.dcc_trust):
        return None
    trust = load_dcc_trust(opts.dcc_cert, opts.dcc_trust)
    return trust.merged(load_dcc_file(settings.dcc_trust)) if settings.dcc_trust else trust


class Runtime(QObject):
    """Owns the worker threads and applies settings; built by `build()`, GUI thread."""

    # A handheld scan (keyboard wedge or serial scanner) that passed the shared debounce step;
    # emitted from the GUI thread (wedge) or the serial feed's thread, queued to the verify worker.
    handheld_scanned = Signal(str, float, str)

    def __init__(self, *, app: QApplication, opts: AppOptions, settings, settings_path: Path, service, window,
                 language, sound):
        super().__init__()
        from scanner.debounce import Debouncer
        from scanner.decoders import make_decoder
        from scanner.frames import open_source
        from scanner.loop import handheld_dispatch
        from scanner.wedge import WedgeDetector
        from .window import WedgeFilter
        from .syncing import SyncController, make_sync_round
        from .workers import StatusWorker, VerifyWorker, start_thread

        self.app, self.opts, self.settings, self.settings_path = app, opts, settings, settings_path
        self.service, self.window, self.language, self.sound = service, window, language, sound
        self._open_source = open_source
        self._make_decoder = make_decoder
        self._debouncer = lambda: Debouncer(hold_seconds=scan_hold_s(self.settings))   # the settings of the day
        self.capture = None
        self.capture_thread: QThread | None = None
        self.first_frame_at: float | None = None
        self.started_at = time.perf_counter()
        self.started_mono = time.monotonic()
        self.frames_seen = 0                   # previews that reached the GUI thread (proof both threads run)
        self.last_frame_mono: float | None = None
        self.last_frame_at: float | None = None    # wall clock, for status and the health endpoint

        from .gate_link import GateLink
        self.gate_link = GateLink(settings, service)       # the turnstile (no actuator setting: nothing pulses)
        window.set_gate(self.gate_link)
        self.verify = VerifyWorker(service, gate=self.gate_link)
        self.verify_thread = start_thread(self.verify, "verify")
        self.verify.verdict.connect(window.on_verdict)
        if opts.on_verdict is not None:
            self.verify.verdict.connect(lambda v, t_in, source, text: opts.on_verdict(v, text))

        self.status = StatusWorker(service, interval_ms=opts.status_interval_ms)
        self.status.status.connect(window.on_status)
        self.status.recent.connect(window.on_recent)
        window.recent_wanted.connect(self.status.refresh_recent)
        self.verify.verdict.connect(self.status.refresh)
        self.status_thread = start_thread(self.status, "status", self.status.start)

        interval = opts.sync_interval_s if opts.sync_interval_s is not None else settings.sync_interval_s
        self.sync = SyncController(make_sync_round(service, settings) if opts.sync else None, interval_s=interval, parent=self)
        self.sync.syncFinished.connect(window.on_sync_report)      # banners and strip from the report
        self.sync.syncFinished.connect(self.status.refresh)        # then the counts from the store

        # Wedge and serial scans take the same step: text arrived -> debounce -> verify worker.
        self.handheld = handheld_dispatch(lambda ev: self.handheld_scanned.emit(ev.text, time.perf_counter(),
                                                                                ev.source))
        self.handheld_scanned.connect(self.verify.verify)
        self.serial_feed = None
        self.wedge = WedgeFilter(window, WedgeDetector(), parent=self)
        self.wedge.scanned.connect(lambda code, t_in, source: self.handheld.offer_text(code, source))
        window.scan_requested.connect(self.verify.verify)
        app.installEventFilter(self.wedge)

        from .watchdog import Watchdog
        self.watchdog = Watchdog(self.health_ok, parent=self)   # systemd's (a no-op when not run by it)

        from .fullscreen import FullScreenKeeper
        self.screen_keeper = FullScreenKeeper(window)     # full screen that holds (show(), apply_settings)
        self.shown = False

        window.settings_saved.connect(self.apply_settings)
        window.platform_url_saved.connect(self.apply_platform_url)
        window.set_on_close(self.stop)
        self._stopped = False

    # ------------------------------------------------------------------ capture
    def start(self) -> None:
        self.start_capture()
        self.start_serial()
        self.sync.start()
        self.start_report()

    def start_serial(self) -> None:
        """A configured serial scanner (settings `scanner`) feeds the handheld dispatch on its own thread."""
        from scanner.loop import HandheldFeed
        from scanner.serial_scanner import open_scanner
        sc = open_scanner(self.settings.scanner)
        if sc is not None:
            self.serial_feed = HandheldFeed(sc, self.handheld, name="serial").start()

    def stop_serial(self) -> None:
        if self.serial_feed is not None:
            self.serial_feed.stop()
            self.serial_feed = None

    def start_capture(self) -> None:
        from .workers import CaptureWorker, start_thread
        s = self.settings
        decoder = s.decoder
        interval = self.opts.image_interval
        if interval is None:
            interval = verdict_hold_s(s) + 0.3
        self.capture = CaptureWorker(source_spec=s.source, open_source=self._open_source,
                                     make_decoder=lambda: self._make_decoder(decoder),
                                     make_debouncer=self._debouncer, image_interval=interval,
                                     loop=self.opts.loop_media)
        w = self.window
        self.capture.frame.connect(w.on_frame)
        self.capture.frame.connect(self._on_frame_seen)
        self.capture.scanned.connect(self.verify.verify_held)
        self.capture.unreadable.connect(w.on_unreadable)
        self.capture.state.connect(w.on_camera_state)
        self.capture.first_frame.connect(self._on_first_frame)
        self.capture_thread = start_thread(self.capture, "capture", self.capture.run)

    def _on_frame_seen(self, *_frame) -> None:
        self.frames_seen += 1
        self.last_frame_mono, self.last_frame_at = time.monotonic(), time.time()

    def runtime_snapshot(self) -> dict:
        """For `venue-terminal status` and the health endpoint (ui/health.py): nothing personal."""
        ok, line = self.health_ok()
        from terminal.commands.status import shared_store, without_password
        st = self.window.status
        shared = shared_store(st) if st is not None else None
        return {"pid": os.getpid(), "updated_at": time.time(), "mode": self.settings.mode, "healthy": ok,
                "health": line, "camera": {"source": without_password(self.settings.source), "state": self.window.camera_state,
                                           "frames": self.frames_seen, "last_frame_at": self.last_frame_at},
                "last_frame_at": self.last_frame_at, "actuator": self.gate_link.snapshot(), "shared_store": shared,
                "verdicts_shown": self.window.verdicts_shown}

    def start_report(self) -> None:
        """The runtime report beside the settings file, and the health endpoint if one is set."""
        from .health import RuntimeReport
        from terminal.settings import RUNTIME_FILE
        self.report = RuntimeReport(self.runtime_snapshot, path=self.settings_path.parent / RUNTIME_FILE,
                                    server=self._health_server(self.settings), parent=self)
        self.report.start()

    def _health_server(self, s):
        from .health import HealthServer
        if not s.health_port:
            return None
        try:
            return HealthServer(s.health_bind, int(s.health_port)).start()
        except (ValueError, OSError) as exc:           # a port in use, a hand-edited address: say so, run on
            log.error("health endpoint not started on %s port %d: %s", s.health_bind, int(s.health_port), exc)
            return None

    def health_ok(self) -> tuple[bool, str]:
        """(healthy, one line): not healthy when the camera is up but no frame reached the screen for
        the watchdog's stall time (the frame loop or the GUI thread hangs)."""
        state = self.window.camera_state.split(":")[0]
        age = time.monotonic() - (self.last_frame_mono or self.started_mono)
        stall = self.watchdog.stall_s or 10.0
        if state == "live" and age > stall:
            return False, f"camera live but no frame processed for {age:.0f} s"
        gate = self.gate_link.state
        return True, f"camera {state}, last frame {age:.1f} s ago" + ("" if gate == "none" else f", gate {gate}")

    @Slot(float)
    def _on_first_frame(self, t: float) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = t
            log.info("first frame processed %.0f ms after start", (t - self.started_at) * 1000)

    def stop_capture(self) -> None:
        if self.capture is not None:
            self.capture.stop()
        if self.capture_thread is not None:
            self.capture_thread.quit()
            if not self.capture_thread.wait(5000):
                log.error("capture thread did not stop in 5 s")
        self.capture = None
        self.capture_thread = None

    # ------------------------------------------------------------------ settings
    @Slot(object)
    def apply_settings(self, s) -> None:
        old = self.settings
        try:
            if s.policy != old.policy:
                self.service.set_policy(s.policy or _default_policy())
        except Exception as exc:  # noqa: BLE001 - a bad policy file keeps the old one; say so
            log.error("policy not changed: %s", exc)
            s = s.with_(policy=old.policy)
        try:
            s.save(self.settings_path)
        except OSError as exc:
            log.error("settings not saved: %s", exc)
        self.settings = s
        self.window.apply_settings(s)
        if self.service.mode != s.mode:
            self.service.mode = s.mode           # (signs staff out on the way to the kiosk)
        if (s.source, s.decoder) != (old.source, old.decoder):
            self.stop_capture()
            self.start_capture()
        if s.scanner != old.scanner:
            self.stop_serial()
            self.start_serial()
        if self.capture is not None and scan_hold_s(s) != scan_hold_s(old):
            self.capture.set_scan_hold(scan_hold_s(s))    # another mode or hold time: the running camera too
        if self.shown and self.wants_full_screen() != self.screen_keeper.active:
            self.screen_keeper.set_active(self.wants_full_screen())    # e.g. gate -> counter: a normal window
        self.gate_link.reconfigure(s)                 # a changed actuator or sensor setting: a new controller
        report = getattr(self, "report", None)
        if report is not None and (s.health_port, s.health_bind) != (old.health_port, old.health_bind):
            report.set_server(None)                   # the old port is free before the new one binds
            report.set_server(self._health_server(s))
        if s.dcc_trust != old.dcc_trust:
            try:
                self.service.set_dcc(dcc_from_files(self.opts, s))
            except Exception as exc:  # noqa: BLE001 - the dialog checked the file; if it changed since, say so
                log.error("EU DCC trust not changed: %s", exc)

    @Slot(str)
    def apply_platform_url(self, url: str) -> bool:
        """Store a new platform URL in the enrolled identity (the dialog validated it) and sync now:
        the sync round re-reads the identity first (Syncer.reload_identity), so it goes to `url`."""
        try:
            self.service.set_platform_url(url)
        except Exception as exc:  # noqa: BLE001 - not stored: the old URL stays in use; say so
            log.error("platform URL not changed: %s", exc)
            return False
        self.sync.request_sync()    # a round already running finishes first, then one more goes to url
        return True

    def wants_full_screen(self) -> bool:
        from .fullscreen import wants_full_screen
        return wants_full_screen(self.settings, session=self.opts.session, screenshot=bool(self.opts.screenshot))

    # ------------------------------------------------------------------ shutdown
    def stop(self) -> None:
        """Stop every worker: flags first, then quit() and wait(). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.screen_keeper.stop()
        self.app.removeEventFilter(self.wedge)
        try:
            if getattr(self.service, "operator", None):
                self.service.sign_out()          # a clean quit ends the staff session in the log
        except Exception:  # noqa: BLE001 - shutting down regardless
            log.exception("sign-out at shutdown failed")
        self.watchdog.stop()
        if getattr(self, "report", None) is not None:
            self.report.stop()
        self.sync.stop()
        self.gate_link.stop()
        self.stop_serial()
        self.stop_capture()
        QMetaObject.invokeMethod(self.status, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        for th in (self.status_thread, self.verify_thread):
            th.quit()
            th.wait(5000)
        self.sync.close()
        if self.window.voice is not None:
            self.window.voice.close()
        self.language.close()


def verdict_hold_s(settings) -> float:
    """How long the mode's verdict stays on screen: kiosk_verdict_seconds at the kiosk (older users
    read slower than staff glance), verdict_seconds elsewhere."""
    return settings.kiosk_verdict_seconds if settings.mode == "kiosk" else settings.verdict_seconds


def scan_hold_s(settings) -> float:
    """How long a code held still in front of the camera is ignored before it is read again (and
    then read as the same presentation): a second past the verdict's hold, at least 3 s."""
    return max(3.0, verdict_hold_s(settings) + 1.0)


def _default_policy():
    from terminal.policy import DEFAULT_POLICY
    return DEFAULT_POLICY


def build(opts: AppOptions, app: QApplication | None = None) -> Runtime:
    """Build everything (does not start the workers or the event loop)."""
    from .i18n import Language
    from terminal.settings import Settings
    from .sound import SoundPlayer
    from .window import MainWindow

    app = app or QApplication.instance() or QApplication(sys.argv[:1])
    pick_font(app)
    spath = settings_path_for(opts)
    settings = Settings.load(spath)
    changes = {k: v for k, v in (("mode", opts.mode), ("source", opts.source), ("scanner", opts.scanner),
                                 ("decoder", opts.decoder),
                                 ("language", opts.language), ("policy", opts.policy),
                                 ("fullscreen", opts.fullscreen)) if v is not None}
    changes.update(Settings.parse_override(o) for o in opts.overrides)
    settings = settings.with_(**changes)
    service = opts.service or make_service(opts, settings)
    language = Language(app, settings.language)
    sound = SoundPlayer(enabled=settings.sound)
    from .voice import VoiceGuide
    voice = VoiceGuide(engine=opts.voice_engine, enabled=settings.voice_on(), volume=settings.voice_volume)
    from terminal.pins import PinGuard
    window = MainWindow(settings=settings, language=language, sound=sound,
                        platform_url=getattr(service, "platform_url", None), pin_guard=PinGuard(spath.parent),
                        staff=service if hasattr(service, "sign_in") else None,
                        policy=lambda: getattr(service, "policy", None), voice=voice)
    return Runtime(app=app, opts=opts, settings=settings, settings_path=spath, service=service, window=window,
                   language=language, sound=sound)


def show(rt: Runtime) -> None:
    """Full screen when asked (ui/fullscreen.py: it fills the screen without a window manager too,
    follows the screen's size and comes back when minimised or shrunk), else the design size."""
    rt.shown = True
    if rt.wants_full_screen():
        rt.screen_keeper.set_active(True)
    else:
        from .widgets import DESIGN_SIZE
        rt.window.resize(*DESIGN_SIZE)
        rt.window.show()


def save_screenshot(rt: Runtime, path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not rt.window.grab().save(str(path)):
        log.error("could not save screenshot %s", path)


class JournalFormatter(logging.Formatter):
    """Under systemd (stderr is the journal, $JOURNAL_STREAM set): the syslog priority as a `<N>`
    prefix, which journald reads as the line's level, and no timestamp of our own."""

    PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prio = self.PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{prio}>{line}" for line in super().format(record).splitlines() or [""])


def setup_logging() -> None:
    import os
    if os.environ.get("JOURNAL_STREAM"):
        h = logging.StreamHandler()
        h.setFormatter(JournalFormatter())
        logging.basicConfig(level=logging.INFO, handlers=[h])
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(opts: AppOptions) -> int:
    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("venue-terminal")
    rt = build(opts, app)
    show(rt)
    rt.start()
    QTimer.singleShot(0, rt.watchdog.start)     # READY=1 once the event loop runs the shown window
    import signal

    def terminate(*_):                           # systemctl stop: quit like the admin's Quit (staff signed out)
        QTimer.singleShot(0, lambda: (rt.window.shutdown(), app.quit()))
    signal.signal(signal.SIGTERM, terminate)
    wake = QTimer()                              # Python runs its signal handlers only when it gets control
    wake.timeout.connect(lambda: None)
    wake.start(250)
    if opts.exit_after is not None:
        def finish():
            if opts.screenshot:
                save_screenshot(rt, opts.screenshot)
            rt.window.shutdown()
            app.quit()
        QTimer.singleShot(int(opts.exit_after * 1000), finish)
    elif opts.quit_when_done is not None:
        def check():
            st = rt.window.status
            if rt.window.camera_state in ("ended", "failed") and (st is None or st.events_pending == 0):
                poll.stop()
                QTimer.singleShot(int(opts.quit_when_done * 1000), lambda: (rt.window.shutdown(), app.quit()))
        poll = QTimer()
        poll.timeout.connect(check)
        poll.start(250)
    rc = app.exec()
    rt.stop()
    return rc
