"""Child of the SIGKILL test: scan codes through an enrolled terminal forever, printing
`<event id> <reason>` after each scan() returns (one os.write, so a line is never half
printed). Usage: crash_child.py HOME CODES_FILE"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from terminal.service import TerminalService  # noqa: E402


def main() -> None:
    home, codes_file = sys.argv[1], sys.argv[2]
    codes = Path(codes_file).read_text().splitlines()
    svc = TerminalService.from_home(home, mode="gate")
    os.write(1, b"ready\n")
    n = 0
    while True:
        code = codes[n % len(codes)]
        n += 1
        v = svc.scan(code, source="crash-test")
        ev = svc.recent(1)[0]            # the event scan() committed before returning
        os.write(1, f"{ev['id']} {v.reason}\n".encode())


if __name__ == "__main__":
    main()
