#!/usr/bin/env python3
"""Runs one test step with a time limit, and names what hung when the limit is hit.

A test that waits forever (a request nobody answers, a task that ignores cancellation) would
otherwise hold `make test` until CI kills the whole job, and the log would not say which test
it was. This wrapper passes the step's output through unchanged, remembers which swift-testing
tests started and which ended, and when the limit passes it prints the tests still running,
every thread's stack (through gdb, when the machine has it), stops the process group and exits
124, the status of `timeout(1)`.

    Tests/watchdog.py 600 .build/debug/CairnPackageTests.xctest --testing-library swift-testing --filter X
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STARTED = re.compile(r"Test (\S+\(.*?\)) started\.")
ENDED = re.compile(r"Test (\S+\(.*?\))(?: with \d+ test cases?)? (?:passed|failed|skipped)")


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: watchdog.py SECONDS COMMAND [ARG...]", file=sys.stderr)
        return 2
    limit = float(sys.argv[1])
    command = sys.argv[2:]
    running: dict[str, float] = {}
    lock = threading.Lock()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

    def pump() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
            line = ANSI.sub("", raw.decode("utf-8", "replace"))
            with lock:
                if match := STARTED.search(line):
                    running[match.group(1)] = time.monotonic()
                elif match := ENDED.search(line):
                    running.pop(match.group(1), None)

    def stop_group(*_):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # Stopped from outside (CI's own limit, Ctrl-C): the step's processes go too.
    for name in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(name, lambda *_: (stop_group(), sys.exit(143)))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=limit)
        reader.join(timeout=5)
        return status
    except subprocess.TimeoutExpired:
        pass
    try:
        report(process, command, limit, running, lock)
    finally:
        stop_group()
        process.wait()
    return 124


def report(process, command, limit, running, lock) -> None:
    """Prints the tests still running and every thread's stack."""
    now = time.monotonic()
    print(f"\nwatchdog: the step did not end within {limit:.0f} s: {' '.join(command[:1])}", flush=True)
    with lock:
        hung = sorted(running.items(), key=lambda item: item[1])
    if hung:
        print("watchdog: tests still running:", flush=True)
        for name, since in hung:
            print(f"  {name} (for {now - since:.0f} s)", flush=True)
    else:
        print("watchdog: no test was running (the hang is before the first or after the last test)", flush=True)
    if shutil.which("gdb"):
        print("watchdog: thread stacks:", flush=True)
        try:
            dump = subprocess.run(["gdb", "-p", str(process.pid), "-batch", "-ex", "thread apply all bt 30"],
                                  capture_output=True, text=True, timeout=120)
            frames = [line for line in dump.stdout.splitlines() if line.startswith(("Thread ", "#"))]
            print("\n".join(frames[:1500]) or dump.stderr[-2000:], flush=True)
        except (OSError, subprocess.SubprocessError) as error:
            print(f"watchdog: no stacks: {error}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
