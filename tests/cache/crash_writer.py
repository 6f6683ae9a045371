"""Child process of test_crash.py and bench: append scan events forever, printing each id
only after append() returned (i.e. after COMMIT). Every 5th event also marks the oldest
pending events uploaded, so kills land inside both kinds of transaction.

    python crash_writer.py HOME
"""
from __future__ import annotations

import os
import sys
import time

from cache import Store


def main(home: str) -> None:
    store = Store.open(home)
    n = 0
    while True:
        event = store.outbox.append({"terminal": "T-crash", "venue": "V-crash", "mode": "gate",
                                     "profile": "EZ1", "typ": "resident", "valid": n % 3 != 0,
                                     "reason": "ok" if n % 3 else "expired", "policy": "default",
                                     "holder_ref": f"{n:032x}"})
        os.write(1, (event["id"] + "\n").encode())  # < PIPE_BUF: one atomic write, no buffering
        n += 1
        if n % 5 == 0:
            store.outbox.mark_uploaded([e["id"] for e in store.outbox.pending(3)], at=time.time())


if __name__ == "__main__":
    main(sys.argv[1])
