"""The gate in the app: the turnstile's actuator and pass sensor (gate/) driven by the verdicts.

    link = GateLink(settings, service)     # no actuator configured: link.configured is False
    ref = link.admit(verdict, event_id)    # any thread (the verify worker): an admission pulses, nothing else
    link.open_by_hand(manual_event_id)     # staff opened it from the gate screen (a `manual` event)
    link.pulsed / link.state_changed       # Qt signals, delivered queued on the GUI thread
    link.stop()

An admission is handed over on the verify thread (a `same_admission` verdict is not a new one:
it never pulses), right after the scan was logged, so a busy
screen never delays the turnstile; the pulse itself runs on the controller's thread
(gate/controller.py), so a slow or unplugged actuator never blocks scanning. A refusal or a
check never reaches the controller. The outcome of each pulse is kept by its ref (the scan
event's id, or `local-N` without a scan log), so the window can turn the verdict it shows amber
whichever arrives first, the verdict or the pulse's failure.

With a pass sensor, an admission nobody walked through is handed to the service
(TerminalService.admission_not_walked: an `alert` event `not_walked` with the ref, nothing about
the holder). Nothing here sees a code, a name or an ID number; the log says outcome and fault only.

Threads: admit/open_by_hand from any thread; the controller's callbacks run on its threads and
only emit signals or call the (thread-safe) service; everything else on the GUI thread.
"""
from __future__ import annotations

import collections
import itertools
import logging
import threading
from typing import Any

from vocab import reasons as R
from vocab.reasons import Outcome

from .qt import QObject, Signal

log = logging.getLogger(__name__)

GATE_KEYS = ("actuator", "actuator_pulse_s", "actuator_timeout_s", "actuator_token_file", "pass_sensor",
             "pass_timeout_s")
KEEP = 64                 # refs whose verdict and pulse outcome are remembered (the screen shows the newest)
LOCAL_PREFIX = "local-"   # a ref without a scan log (unenrolled terminal): nothing is logged for it


class GateLink(QObject):
    pulsed = Signal(str, bool, str)        # ref, opened, why not ("" when opened)
    state_changed = Signal(str, str)       # "ok" | "fault", the fault's one line ("" when ok)
    walked = Signal(str, bool)             # ref, walked through (pass sensor)

    def __init__(self, settings, service: Any = None, parent: QObject | None = None):
        super().__init__(parent)
        self._service = service
        self._lock = threading.Lock()
        self._verdicts: collections.OrderedDict[str, Any] = collections.OrderedDict()
        self._results: dict[str, tuple[bool, str]] = {}
        self._local = itertools.count(1)
        self.controller = None
        self.spec_error: str | None = None
        self.settings = settings
        self._build(settings)

    # ------------------------------------------------------------------ building
    def _build(self, s) -> None:
        from gate.actuators import ActuatorSpecError, open_actuator, open_sensor
        from gate.controller import GateController
        self.spec_error = None
        try:
            act = open_actuator(s.actuator, timeout=s.actuator_timeout_s, token_file=s.actuator_token_file)
            sensor = open_sensor(s.pass_sensor) if act is not None else None
        except ActuatorSpecError as exc:          # the settings checked it; a hand-edited file may not have been
            self.spec_error = str(exc)
            log.error("gate actuator not used: %s", exc)
            return
        if act is None:
            return
        self.controller = GateController(act, pulse_s=s.actuator_pulse_s, sensor=sensor, pass_timeout_s=s.pass_timeout_s,
                                         on_result=self._on_result, on_change=self._on_change, on_pass=self._on_pass)
        self.controller.start()
        log.info("gate actuator %s %s%s", act.kind, act.target, f", pass sensor {sensor.target}" if sensor else "")

    def reconfigure(self, s) -> bool:
        """New settings: rebuild the controller when a gate setting changed (True if it was)."""
        old, self.settings = self.settings, s
        if all(getattr(old, k) == getattr(s, k) for k in GATE_KEYS):
            return False
        self.stop()
        self._build(s)
        self.state_changed.emit(self.state, self.fault or "")
        return True

    def stop(self) -> None:
        c, self.controller = self.controller, None
        if c is not None:
            c.stop()

    # ------------------------------------------------------------------ any thread
    @property
    def configured(self) -> bool:
        return self.controller is not None or self.spec_error is not None

    @property
    def state(self) -> str:
        if self.spec_error is not None:
            return "fault"
        c = self.controller
        return c.state if c is not None else "none"

    @property
    def fault(self) -> str | None:
        if self.spec_error is not None:
            return self.spec_error
        c = self.controller
        return c.fault if c is not None else None

    def admit(self, verdict, ref: str | None) -> str | None:
        """Pulse for `verdict` if it is a new admission (returns the ref it goes under), else None.
        The same admission shown again (`same_admission`: the code held in view, or the holder
        app's next presentation of a credential admitted moments ago) opened the gate already."""
        if not self.configured or verdict.outcome is not Outcome.ADMIT or R.SAME_ADMISSION in verdict.warnings:
            return None
        ref = ref or f"{LOCAL_PREFIX}{next(self._local)}"
        with self._lock:
            self._verdicts[ref] = verdict
            while len(self._verdicts) > KEEP:
                old, _ = self._verdicts.popitem(last=False)
                self._results.pop(old, None)
        c = self.controller
        if c is None:                             # a setting that names no actuator: amber, staff see why
            self._on_result(ref, False, self.spec_error or "no actuator")
        else:
            c.admit(ref)
        return ref

    def open_by_hand(self, ref: str) -> bool:
        c = self.controller
        if c is None:
            return False
        log.info("gate opened by hand (event %s)", ref)
        return c.open_by_hand(ref)

    def ref_for(self, verdict) -> str | None:
        with self._lock:
            for ref, v in reversed(self._verdicts.items()):
                if v is verdict:
                    return ref
        return None

    def result_for(self, ref: str | None) -> tuple[bool, str] | None:
        with self._lock:
            return self._results.get(ref) if ref is not None else None

    def snapshot(self) -> dict | None:
        """For status and the health endpoint: kind, target, state, fault, counters (None: no actuator)."""
        if self.spec_error is not None:
            return {"kind": None, "target": self.settings.actuator, "state": "fault", "fault": self.spec_error}
        c = self.controller
        return c.snapshot() if c is not None else None

    # ------------------------------------------------------------------ controller threads
    def _on_result(self, ref: str, ok: bool, why: str) -> None:
        with self._lock:
            if ref in self._verdicts or not ok:
                self._results[ref] = (ok, why)
        if not ok:
            log.warning("gate did not open: %s", why)
        self.pulsed.emit(ref, ok, why)

    def _on_change(self, state: str, fault: str | None) -> None:
        self.state_changed.emit(state, fault or "")

    def _on_pass(self, ref: str, walked: bool) -> None:
        self.walked.emit(ref, walked)
        if walked:
            return
        log.info("gate opened and nobody walked through")
        if ref.startswith(LOCAL_PREFIX) or self._service is None \
                or not hasattr(self._service, "admission_not_walked"):
            return
        try:
            self._service.admission_not_walked(ref)
        except Exception:  # noqa: BLE001 - logging it must never stop the gate
            log.exception("could not log an admission not walked through")
