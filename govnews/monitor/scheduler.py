"""``govnews watch --every``: one pass at a time, on a schedule with jitter, stoppable cleanly.

Each pass is a fresh ``govnews watch --once`` process: Twisted's reactor cannot be restarted in
one process, and a process per pass also returns all memory and cannot carry a half-broken state
into the next pass.  The pass process holds the archive's watch lock, so even two schedulers (or
cron plus a scheduler) never run passes on one archive at the same time.

Ctrl-C or SIGTERM: the running pass gets SIGTERM (Scrapy stops after the requests in flight;
the events of what was archived are recorded), then the scheduler exits 0 without starting
another pass.  Between passes it stops at once.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
from collections.abc import Callable


def next_delay(interval: float, jitter: float, rng: random.Random | None = None) -> float:
    """``interval`` ± up to ``jitter`` seconds (never below 1 s): passes of many watchers (and
    many sites) do not hit the portals at the same minute."""
    rng = rng or random.Random()
    return max(1.0, interval + rng.uniform(-jitter, jitter))


def run_every(
    argv: list[str],
    interval: float,
    jitter: float,
    *,
    passes: int | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Run ``argv`` (a ``--once`` pass) now and then every ``interval`` ± ``jitter`` seconds."""
    stop = threading.Event()
    state: dict = {"child": None}

    def on_signal(signum, _frame) -> None:
        stop.set()
        child = state["child"]
        if child is not None and child.poll() is None and signum == signal.SIGTERM:
            child.send_signal(signal.SIGTERM)  # Ctrl-C already reached the whole process group

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    done = 0
    try:
        while not stop.is_set():
            state["child"] = subprocess.Popen(argv)
            rc = state["child"].wait()
            state["child"] = None
            done += 1
            if rc not in (0, 1):
                echo(f"watch pass exited with code {rc}")
            if stop.is_set() or (passes is not None and done >= passes):
                break
            delay = next_delay(interval, jitter)
            echo(f"next pass in {delay:.0f} s")
            stop.wait(delay)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    echo("watch stopped" if stop.is_set() else f"watch done after {done} passes")
    return 0
