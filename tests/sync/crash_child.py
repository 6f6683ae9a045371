"""Child of the SIGKILL test: scan codes through an enrolled terminal forever, printing
`<event id> <reason>` after each scan() returns (one os.write of a short line, so a line is
never half printed).

    crash_child.py HOME CODES_FILE            # scan in this process
    crash_child.py --zygote HOME CODES_FILE   # for each line on stdin, fork a scanner and print
                                              # "pid N"; print "exit STATUS" when it has died

The zygote imports everything once, so a kill round costs a fork instead of a Python start;
it never opens the database itself (each forked scanner opens its own)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from terminal.service import TerminalService  # noqa: E402


def scan_forever(home: str, codes: list[str]) -> None:
    svc = TerminalService.from_home(home, mode="gate")
    os.write(1, b"ready\n")
    n = 0
    last = None
    while True:
        code = codes[n % len(codes)]
        n += 1
        v = svc.scan(code, source="crash-test")
        ev = svc.recent(1)[0]            # the event scan() committed before returning
        if ev["id"] == last:             # the same admission shown again (terminal.admission): not logged
            continue
        last = ev["id"]
        os.write(1, f"{ev['id']} {v.reason}\n".encode())


def zygote(home: str, codes: list[str]) -> None:
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                scan_forever(home, codes)
            finally:
                os._exit(1)
        os.write(1, f"pid {pid}\n".encode())
        _, status = os.waitpid(pid, 0)
        os.write(1, f"exit {status}\n".encode())


if __name__ == "__main__":
    args = sys.argv[1:]
    fork = args[0] == "--zygote"
    home, codes_file = args[-2], args[-1]
    lines = Path(codes_file).read_text().splitlines()
    (zygote if fork else scan_forever)(home, lines)
