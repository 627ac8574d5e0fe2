"""A second process for the tests of store.access: writes or reads the database the way a harvest or a report
does, and prints a line when each step has the file, so the test knows it holds it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from luisterpost.store.access import SharedFile, database_opener


def main(role: str, path: str, steps: int, pause: float, hold: float) -> None:
    shared = SharedFile(Path(path), database_opener(Path(path)), wait=60,
                        on_wait=lambda message: print("waiting", flush=True))
    for step in range(steps):
        if role == "write":
            with shared.write() as con:
                con.execute("INSERT INTO watermarks VALUES ('worker', ?, 'v', now())", [str(step)])
                print(f"{role} {step} holding", flush=True)
                time.sleep(hold)
        else:
            with shared.read() as con:
                con.execute("SELECT count(*) FROM watermarks").fetchall()
                print(f"{role} {step} holding", flush=True)
                time.sleep(hold)
        time.sleep(pause)  # waiting on the network (a harvest) or rendering (a report)
    shared.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
