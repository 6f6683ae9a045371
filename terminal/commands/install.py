"""`venue-terminal install` / `uninstall`: systemd units that make a device a gate, a kiosk or a counter.

    venue-terminal --home /var/lib/venue-terminal install --gate|--kiosk|--counter [--prefix DIR] [--user U]
        [--vt N] [--watchdog S] [--sync-every S] [--no-enable]
    venue-terminal uninstall [--prefix DIR] [--no-disable]

Writes to PREFIX/etc/systemd/system (PREFIX defaults to /):

- venue-terminal-gui.service: the app as the whole of its own X session on virtual terminal N,
  no desktop and no window manager: `xinit <app> -- /usr/bin/Xorg :0 vtN -keeptty ...`, as the
  user U with a logind session of its own (PAMName=login on ttyN, so a rootless Xorg may open the
  display devices). Restart=always; WatchdogSec=S with Type=notify: the app says READY=1 once its
  window is up and WATCHDOG=1 while frames are processed (or the camera is down: then there is
  nothing to restart for, staff see it on screen), so a hung GUI is killed and started again.
- venue-terminal-sync.service + .timer: one sync round (`sync --once`) every S seconds, also while
  the app restarts; the app itself then does not sync (`gui --session`).

Both log to the journal (SyslogIdentifier venue-terminal, venue-terminal-sync): verdicts as
outcome, reason code, profile and source, actuator and camera faults, sync rounds; never a code's
content, a name or an ID number. Enabling uses `systemctl --root=PREFIX enable` (works offline
for a prefix too); uninstall disables and removes only the files that carry this tool's header.
Exit: 0 done, 2 usage error.
"""
from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from vocab.spec import MODES

from ._common import UsageError

HEADER = "# Written by `venue-terminal install`; `venue-terminal uninstall` removes it."
GUI, SYNC, TIMER = "venue-terminal-gui.service", "venue-terminal-sync.service", "venue-terminal-sync.timer"
UNITS = (GUI, SYNC, TIMER)
DEFAULT_HOME = "/var/lib/venue-terminal"
XORG, XINIT = "/usr/bin/Xorg", "/usr/bin/xinit"
ROLES = MODES                      # one device, one screen: gate, kiosk or counter


def register(sub) -> None:
    p = sub.add_parser("install", help="write systemd units for a gate, kiosk or counter device",
                       description="Write systemd units: the app in its own X session (no desktop), restarted "
                                   "when it dies or hangs, and a sync timer; logs go to the journal.")
    role = p.add_mutually_exclusive_group(required=True)
    for r in ROLES:
        role.add_argument(f"--{r}", dest="role", action="store_const", const=r, help=f"this device is a {r}")
    add_prefix(p)
    p.add_argument("--user", default="venue", metavar="U", help="the account the app and sync run as (default venue)")
    p.add_argument("--vt", type=int, default=7, metavar="N", help="the virtual terminal of the X session (default 7)")
    p.add_argument("--display", type=int, default=0, metavar="N", help="the X display number (default 0)")
    p.add_argument("--watchdog", type=float, default=30.0, metavar="S",
                   help="restart the app when it has not shown a processed frame for this long while the camera "
                        "is up, or its screen froze (default 30; 0: no watchdog)")
    p.add_argument("--sync-every", type=float, default=60.0, metavar="S", help="seconds between sync rounds (default 60)")
    p.add_argument("--exec", dest="app", metavar="PATH",
                   help="the venue-terminal program the units run (default: the one running this command)")
    p.add_argument("--no-enable", action="store_true", help="only write the units, do not enable them")
    p.set_defaults(func=run_install)


def add_prefix(p) -> None:
    p.add_argument("--prefix", default="/", metavar="DIR",
                   help="the root the units go under: DIR/etc/systemd/system (default /, this system)")


def unit_dir(prefix: str | Path) -> Path:
    return Path(prefix) / "etc" / "systemd" / "system"


def app_command() -> list[str]:
    """The venue-terminal program running now, as an absolute path (xinit wants one)."""
    exe = Path(sys.executable)
    cand = exe.parent / "venue-terminal"
    if cand.exists():
        return [str(cand.absolute())]
    found = shutil.which("venue-terminal")
    if found:
        return [str(Path(found).absolute())]
    return [str(exe.absolute()), "-m", "terminal.cli"]


def _q(args: list[str]) -> str:
    """A command line for ExecStart: systemd's quoting is close enough to the shell's for paths."""
    return " ".join(shlex.quote(a) for a in args)


def gui_command(app: list[str], home: str, role: str, *, vt: int, display: int) -> list[str]:
    """xinit CLIENT -- SERVER: the app as the only client of its own Xorg (tests put Xvfb after --)."""
    server = [XORG, f":{display}", f"vt{vt}", "-keeptty", "-novtswitch", "-nolisten", "tcp", "-s", "0", "-dpms"]
    if role != "counter":
        server.append("-nocursor")                  # a touch screen or no pointer at all: no arrow in the middle
    return [XINIT, *app, "--home", home, "gui", "--mode", role, "--session", "--", *server]


def gui_unit(cmd: list[str], role: str, user: str, *, vt: int, watchdog: float, home: str) -> str:
    wd = f"WatchdogSec={watchdog:g}\n" if watchdog > 0 else ""
    return f"""{HEADER}
[Unit]
Description=Venue Terminal ({role}): the app in its own X session
After=systemd-user-sessions.service network-online.target getty@tty{vt}.service
Wants=network-online.target
Conflicts=getty@tty{vt}.service
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=all
User={user}
PAMName=login
TTYPath=/dev/tty{vt}
TTYReset=yes
TTYVHangup=yes
TTYVTDisallocate=yes
StandardInput=tty-fail
StandardOutput=journal
StandardError=journal
SyslogIdentifier=venue-terminal
UtmpIdentifier=tty{vt}
UtmpMode=user
Environment=QT_QPA_PLATFORM=xcb
ExecStart={_q(cmd)}
Restart=always
RestartSec=2
TimeoutStartSec=90
{wd}
[Install]
WantedBy=multi-user.target
"""


def sync_units(app: list[str], home: str, user: str, every: float) -> tuple[str, str]:
    service = f"""{HEADER}
[Unit]
Description=Venue Terminal: one sync round (trust data in, scan log out)
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
User={user}
ExecStart={_q([*app, "--home", home, "sync", "--once"])}
StandardOutput=journal
StandardError=journal
SyslogIdentifier=venue-terminal-sync
TimeoutStartSec=300
Nice=5
"""
    timer = f"""{HEADER}
[Unit]
Description=Venue Terminal: sync every {every:g} s

[Timer]
OnBootSec=20
OnUnitActiveSec={every:g}
AccuracySec=1
Unit={SYNC}

[Install]
WantedBy=timers.target
"""
    return service, timer


def _systemctl(prefix: str, *args: str) -> str | None:
    """Run systemctl --root=prefix ...: None when it worked, else its one-line complaint."""
    exe = shutil.which("systemctl")
    if exe is None:
        return "systemctl not found"
    try:
        r = subprocess.run([exe, f"--root={prefix}", *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or [f"exit {r.returncode}"])[-1][:200]


def _live(prefix: str) -> bool:
    return Path(prefix).resolve() == Path("/") and Path("/run/systemd/system").is_dir()


def run_install(args) -> int:
    role = args.role
    home = os.path.abspath(args.home) if getattr(args, "home", None) else DEFAULT_HOME
    if not 1 <= args.vt <= 63:
        raise UsageError("--vt is 1 to 63")
    if not 0 <= args.display <= 63:
        raise UsageError("--display is 0 to 63")
    if not (args.watchdog == 0 or 5 <= args.watchdog <= 3600):
        raise UsageError("--watchdog is 0 (none) or 5 to 3600 seconds")
    if not 10 <= args.sync_every <= 86400:
        raise UsageError("--sync-every is 10 to 86400 seconds")
    if not args.user or any(c.isspace() or c in "/:" for c in args.user) or len(args.user) > 32:
        raise UsageError("--user: an account name")
    app = [os.path.abspath(args.app)] if args.app else app_command()
    cmd = gui_command(app, home, role, vt=args.vt, display=args.display)
    out = unit_dir(args.prefix)
    out.mkdir(parents=True, exist_ok=True)
    sync, timer = sync_units(app, home, args.user, args.sync_every)
    texts = {GUI: gui_unit(cmd, role, args.user, vt=args.vt, watchdog=args.watchdog, home=home), SYNC: sync,
             TIMER: timer}
    for name, text in texts.items():
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out / name)
        print(f"wrote {out / name}")
    notes = []
    if not Path(args.prefix, XORG.lstrip("/")).exists() and not Path(XORG).exists():
        notes.append(f"{XORG} is missing: apt-get install --no-install-recommends xserver-xorg-core "
                     "xserver-xorg-input-libinput xinit")
    try:
        pwd.getpwnam(args.user)
    except KeyError:
        notes.append(f"no account {args.user!r} yet: adduser --system --group --home {home} {args.user}; "
                     f"adduser {args.user} video; adduser {args.user} dialout (camera, USB relay)")
    if not args.no_enable:
        err = _systemctl(args.prefix, "enable", GUI, TIMER)
        print(f"enabled {GUI} and {TIMER}" if err is None else f"not enabled ({err}): systemctl enable {GUI} {TIMER}")
    if _live(args.prefix):
        subprocess.run(["systemctl", "daemon-reload"], check=False, timeout=60)
        print(f"start now: systemctl start {TIMER} {GUI}")
    for n in notes:
        print(f"note: {n}")
    return 0


def register_uninstall(sub) -> None:
    p = sub.add_parser("uninstall", help="remove the systemd units `install` wrote",
                       description="Disable and remove the units written by venue-terminal install.")
    add_prefix(p)
    p.add_argument("--no-disable", action="store_true", help="only remove the files")
    p.set_defaults(func=run_uninstall)


def run_uninstall(args) -> int:
    out = unit_dir(args.prefix)
    ours = [n for n in UNITS if (out / n).is_file() and (out / n).read_text(errors="replace").startswith(HEADER)]
    if ours and not args.no_disable:
        if _live(args.prefix):
            subprocess.run(["systemctl", "stop", *ours], check=False, timeout=120)
        err = _systemctl(args.prefix, "disable", *ours)
        if err is not None:
            print(f"not disabled by systemctl ({err}): removing the links by hand")
    for wants in out.glob("*.wants"):          # links systemctl did not remove (or --no-disable)
        for link in wants.iterdir():
            if link.is_symlink() and link.name in ours:
                link.unlink()
    for n in ours:
        (out / n).unlink()
        print(f"removed {out / n}")
    if not ours:
        print(f"nothing to remove in {out}")
    if _live(args.prefix):
        subprocess.run(["systemctl", "daemon-reload"], check=False, timeout=60)
    return 0
