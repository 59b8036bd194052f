"""Crash-safety harness: SIGKILL a real `cairn serve` mid-traffic, restart it, check every promise.

Usage: python3 crash_safety.py /path/to/cairn [--iterations 20] [--seed N] [--workers 6]
       [--graceful-share 0.1] [--recovery-kill-share 0.15] [--keep-going] [--keep]

One data directory lives through all iterations. Each iteration drives chats from several
threads (new threads, runs of the assistant and of the supervisor pipeline, cancels, extra
sessions that are logged out or refreshed) and then stops the process after 50-1500 ms:
mostly with SIGKILL, sometimes with SIGTERM, and sometimes kills the next process once more
while it recovers. It inspects the database as the stop left it, restarts the binary on the
same directory and checks that:

- the file is sound: `PRAGMA integrity_check` says ok, `foreign_key_check` is empty, the FTS
  index agrees with the messages (on a copy), every run has exactly one user message, every
  message's run exists and every thread's `message_count` is right;
- `/healthz` and `/readyz` answer 200 after the restart;
- access tokens issued before the restart still work; a token logged out (204) stays 401; after
  a refresh that answered 200 the new refresh token works and the used one is refused;
- every acknowledged thread (201) and run (202) exists; the thread holds the acknowledged run's
  input exactly once, and the assistant message `run_completed` names (and no other);
- every run in the file becomes final; a run queued or running at the kill ends `interrupted`
  (error code `interrupted`) with its stored events kept and only closing events appended;
- every run's events are seq 1..N, start with `run_status`, have exactly one `run_completed`,
  last, with the run's status; for acknowledged runs also the rest of the event-order contract
  (agents nest and complete, every `tool_executing` gets its `tool_completed`);
- a final status once seen (through the API before the kill or in the file) never changes and
  its log never grows; a cancel that answered `cancelled` stays cancelled;
- after SIGTERM the exit status is 0 and no run that was running before the signal is left open;
- an interrupted pipeline run resumes (202) into a run that succeeds and reuses exactly the
  steps the old run finished.

Any broken promise prints `FAILED: ...` on stderr and exits 1 (after the first failing
iteration, or at the end with --keep-going); the data directory and server logs are then kept.
One JSON summary line goes to stdout at the end. Standard library only.
"""
import argparse
import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

FINAL = {"succeeded", "failed", "cancelled", "interrupted"}
UNFINISHED = {"queued", "running"}
PORT_LINE = re.compile(r"url=http://[^: ]+:(\d+)")
SETTINGS = {
    "ratelimit.register_per_ip_per_minute": "100000",
    "ratelimit.login_per_ip_per_minute": "100000",
    "ratelimit.login_per_account_per_minute": "100000",  # the extra-session logins would hit 10/min
    "ratelimit.threads_per_user_per_minute": "100000",  # new threads are rate limited too (60/min)
    "agents.offline_chunk_delay_ms": "3",
    "runs.max_per_user": "4",
    "auth.bcrypt_cost": "4",  # registration and login stay fast in a debug build
}
USERS = 4
GRACE_SECONDS = 10  # server.shutdown_grace_seconds, default
PASSWORD = "crash-safety-password"
WORDS = ("granite cairn trail summit ridge valley river stone marker path north south "
         "east west weather cloud wind snow ice map compass lantern rope camp").split()


class Unreachable(Exception):
    """The request got no HTTP answer (refused, reset, timed out)."""


class Broken(Exception):
    """A promise is broken; the message says which."""


def fail(message):
    raise Broken(message)


class Tally:
    """How many individual promises were checked (thread-safe)."""
    lock = threading.Lock()
    checks = 0

    @classmethod
    def add(cls, n=1):
        with cls.lock:
            cls.checks += n


# MARK: HTTP

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(base, method, path, body=None, token=None, timeout=10.0):
    """One request; returns (status, parsed JSON or None). Raises Unreachable without an answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with OPENER.open(request, timeout=timeout) as reply:
            return reply.status, parse(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, parse(error.read())
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, OSError) as error:
        raise Unreachable(f"{method} {path}: {error}") from None


def parse(raw):
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


# MARK: The server process

def child_environment():
    return {key: value for key, value in os.environ.items() if not key.startswith("CAIRN_")}


def known_settings(binary):
    """The setting keys this binary knows (`cairn config show`), so an unknown --set is dropped."""
    shown = subprocess.run([binary, "config", "show"], env=child_environment(), capture_output=True, text=True, timeout=60)
    keys = {line.split()[0] for line in shown.stdout.splitlines() if line.strip()}
    for key in [key for key in SETTINGS if key not in keys]:
        print(f"crash_safety: this binary has no setting {key}; not setting it", file=sys.stderr)
        del SETTINGS[key]


class Server:
    """`cairn serve` on a fixed data directory; every start gets its own log file."""

    def __init__(self, binary, data_dir, log_dir):
        self.binary, self.data_dir, self.log_dir = binary, data_dir, log_dir
        self.process = None
        self.base = None
        self.starts = 0
        self.listening = threading.Event()
        self.port = None

    @property
    def db_path(self):
        return os.path.join(self.data_dir, "cairn.db")

    @property
    def log_path(self):
        return os.path.join(self.log_dir, f"serve-{self.starts:02d}.log")

    def start(self, timeout=30.0):
        """Starts the binary and waits for its `url=` line."""
        self.spawn()
        if not self.listening.wait(timeout) or self.port is None:
            self.kill()
            fail(f"cairn did not start listening (start {self.starts}); log: {self.log_path}\n{tail(self.log_path)}")
        self.base = f"http://127.0.0.1:{self.port}"

    def spawn(self):
        self.starts += 1
        arguments = [self.binary, "serve", "--port", "0", "--data-dir", self.data_dir]
        for key, value in SETTINGS.items():
            arguments += ["--set", f"{key}={value}"]
        self.listening.clear()
        self.port = None
        self.process = subprocess.Popen(arguments, env=child_environment(), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._pump, args=(self.process, self.log_path), daemon=True).start()

    def _pump(self, process, log_path):
        """Copies the child's output to its log file and notices the listening line."""
        with open(log_path, "wb") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                match = PORT_LINE.search(line.decode("utf-8", "replace"))
                if match and self.port is None:
                    self.port = int(match.group(1))
                    self.listening.set()
        self.listening.set()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL, then reap. Safe to call at any time."""
        if self.alive():
            try:
                os.kill(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process is not None:
            self.process.wait()

    def terminate(self, grace):
        """SIGTERM; returns the exit status, or None when it had to be killed after `grace` seconds."""
        if not self.alive():
            return self.process.returncode
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
            return None


def tail(path, lines=30):
    try:
        with open(path, "rb") as handle:
            return b"".join(handle.readlines()[-lines:]).decode("utf-8", "replace")
    except OSError:
        return ""


# MARK: What the server acknowledged

class User:
    def __init__(self, index, email, token):
        self.index, self.email, self.token = index, email, token
        self.threads = []  # acknowledged thread ids, oldest first
        self.runs = []  # acknowledged run ids, oldest first


class Ledger:
    """Everything the server acknowledged, and what it showed, shared by the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.threads = {}  # thread id -> user index
        self.runs = {}  # run id -> {"user", "thread", "input", "agent", "iteration"}
        self.unchecked_runs = set()  # acknowledged, not yet verified after a restart
        self.touched_threads = set()  # threads with runs acknowledged since the last check
        self.seen_final = {}  # run id -> final status the API showed
        self.cancelled = set()  # queued runs whose cancel answered `cancelled`
        self.revoked = []  # (user index, access token) logged out with 204
        self.rotations = []  # (user index, used refresh token, its replacement), not yet checked
        self.settled = {}  # run id -> (status, event count) once final in the database
        self.anomalies = []  # unexpected answers while the server was up
        self.counts = {"runs_driven": 0, "runs_acknowledged": 0, "runs_refused_429": 0, "threads_created": 0,
                       "logouts": 0, "refreshes": 0, "cancels_acknowledged": 0,
                       "kills": 0, "recovery_kills": 0, "graceful_stops": 0, "unreachable_after_kill": 0}

    def count(self, key, by=1):
        with self.lock:
            self.counts[key] += by

    def anomaly(self, text):
        with self.lock:
            if len(self.anomalies) < 50:
                self.anomalies.append(text)


# MARK: Traffic

def random_input(rng, marker):
    """(input, agent or None): arithmetic, a long echo, a pipeline, or a note."""
    kind = rng.random()
    if kind < 0.3:
        return "What is 17*23?", None
    if kind < 0.65:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 120)))
        return f"Tell me about {marker} {words}", None
    if kind < 0.8:
        return f"hello {marker}", "supervisor"
    if kind < 0.9:
        return f"Please plan the route for {marker} over the ridge and list the risks", "supervisor"
    return f"remember that {marker} is the marker", None


class Driver:
    """The traffic of one iteration: worker threads until the kill."""

    def __init__(self, server, users, ledger, iteration, rng):
        self.server, self.users, self.ledger, self.iteration = server, users, ledger, iteration
        self.rng = rng
        self.killed = threading.Event()

    def run(self, workers, stop_after, graceful):
        """Traffic for `stop_after` seconds, then SIGKILL (or SIGTERM when `graceful`).
        Returns the problems of a graceful stop."""
        seeds = [self.rng.randrange(2 ** 32) for _ in range(workers)]
        problems = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self.work, random.Random(seed)) for seed in seeds]
            time.sleep(stop_after)
            self.killed.set()
            if graceful:
                signalled_ms = int(time.time() * 1000)
                status = self.server.terminate(grace=GRACE_SECONDS + 10)
                if status != 0:
                    problems.append(f"SIGTERM: the server exited with {status} (None: not within {GRACE_SECONDS + 10} s)")
                problems += graceful_problems(self.server.db_path, signalled_ms)
            else:
                self.server.kill()
            for future in futures:
                future.result()
        return problems

    def work(self, rng):
        while not self.killed.is_set():
            user = rng.choice(self.users)
            roll = rng.random()
            try:
                if not user.threads or roll < 0.12:
                    self.create_thread(user, rng)
                elif roll < 0.16:
                    self.extra_session(user, rng)
                elif roll < 0.24:
                    self.look_at_run(user, rng)
                elif roll < 0.28:
                    self.cancel_run(user, rng)
                else:
                    self.post_run(user, rng)
            except Unreachable as error:
                if self.killed.is_set():
                    self.ledger.count("unreachable_after_kill")
                    return
                self.ledger.anomaly(f"no answer while the server was up: {error}")
                time.sleep(0.05)

    def request(self, method, path, body=None, token=None):
        return call(self.server.base, method, path, body, token, timeout=5.0)

    def unexpected(self, what, status, body):
        if not self.killed.is_set():
            self.ledger.anomaly(f"{what}: unexpected {status} {json.dumps(body)[:300]}")

    def create_thread(self, user, rng):
        body = {"title": f"crash {self.iteration}"} if rng.random() < 0.7 else {}
        status, reply = self.request("POST", "/api/threads", body, user.token)
        if status != 201:
            return self.unexpected("POST /api/threads", status, reply)
        with self.ledger.lock:
            self.ledger.threads[reply["id"]] = user.index
            self.ledger.counts["threads_created"] += 1
            user.threads.append(reply["id"])

    def post_run(self, user, rng):
        thread = rng.choice(user.threads[-3:])
        marker = f"m{self.iteration}x{rng.randrange(10 ** 9)}"
        text, agent = random_input(rng, marker)
        body = {"input": text} if agent is None else {"input": text, "agent": agent}
        self.ledger.count("runs_driven")
        status, reply = self.request("POST", f"/api/threads/{thread}/runs", body, user.token)
        if status == 429:
            self.ledger.count("runs_refused_429")
            time.sleep(0.02)
            return
        if status != 202 or not isinstance(reply, dict) or reply.get("status") != "queued":
            return self.unexpected("POST runs", status, reply)
        with self.ledger.lock:
            self.ledger.runs[reply["id"]] = {"user": user.index, "thread": thread, "input": text,
                                             "agent": agent or "assistant", "iteration": self.iteration}
            self.ledger.unchecked_runs.add(reply["id"])
            self.ledger.touched_threads.add(thread)
            self.ledger.counts["runs_acknowledged"] += 1
            user.runs.append(reply["id"])

    def look_at_run(self, user, rng):
        """Remembers a final status the API showed: it must never change."""
        if not user.runs:
            return
        run_id = rng.choice(user.runs[-8:])
        status, reply = self.request("GET", f"/api/runs/{run_id}", token=user.token)
        if status != 200:
            return self.unexpected("GET run", status, reply)
        if reply["status"] in FINAL:
            with self.ledger.lock:
                earlier = self.ledger.seen_final.setdefault(run_id, reply["status"])
            if earlier != reply["status"]:
                self.ledger.anomaly(f"run {run_id} was {earlier}, now GET says {reply['status']}")

    def cancel_run(self, user, rng):
        if not user.runs:
            return
        run_id = rng.choice(user.runs[-4:])
        status, reply = self.request("POST", f"/api/runs/{run_id}/cancel", token=user.token)
        if status == 409:
            return
        if status != 202:
            return self.unexpected("POST cancel", status, reply)
        self.ledger.count("cancels_acknowledged")
        if reply.get("status") == "cancelled":
            with self.ledger.lock:
                self.ledger.cancelled.add(run_id)
                self.ledger.seen_final.setdefault(run_id, "cancelled")

    def extra_session(self, user, rng):
        """Signs in again, then logs that session out or rotates its refresh token."""
        status, reply = self.request("POST", "/api/auth/login", {"email": user.email, "password": PASSWORD})
        if status != 200:
            return self.unexpected("POST login", status, reply)
        if rng.random() < 0.5:
            self.logout(user, reply["access_token"])
        else:
            self.refresh(user, reply["refresh_token"])

    def logout(self, user, token):
        status, reply = self.request("POST", "/api/auth/logout", {}, token)
        if status != 204:
            return self.unexpected("POST logout", status, reply)
        with self.ledger.lock:
            self.ledger.revoked.append((user.index, token))
            self.ledger.counts["logouts"] += 1

    def refresh(self, user, old):
        status, reply = self.request("POST", "/api/auth/refresh", {"refresh_token": old})
        if status != 200:
            return self.unexpected("POST refresh", status, reply)
        with self.ledger.lock:
            self.ledger.rotations.append((user.index, old, reply["refresh_token"]))
            self.ledger.counts["refreshes"] += 1


# MARK: The database, read directly

def open_read_only(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def check_file(db_path, scratch_dir):
    """integrity_check, foreign keys, FTS (on a copy) and run/message atomicity, as the crash left it."""
    problems = []
    db = open_read_only(db_path)
    Tally.add(6)
    try:
        verdict = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            problems.append(f"PRAGMA integrity_check: {verdict[:10]}")
        dangling = db.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            problems.append(f"PRAGMA foreign_key_check: {dangling[:10]}")
        lonely = db.execute("""SELECT r.id, (SELECT COUNT(*) FROM messages m WHERE m.run_id = r.id AND m.role = 'user')
                               FROM runs r WHERE (SELECT COUNT(*) FROM messages m WHERE m.run_id = r.id AND m.role = 'user') != 1""").fetchall()
        if lonely:
            problems.append(f"runs without exactly one user message (run, count): {lonely[:10]}")
        orphans = db.execute("""SELECT id, run_id FROM messages m
                                WHERE run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = m.run_id)""").fetchall()
        if orphans:
            problems.append(f"messages whose run does not exist: {orphans[:10]}")
        counts = db.execute("""SELECT t.id, t.message_count, (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id)
                               FROM threads t WHERE t.message_count != (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id)""").fetchall()
        if counts:
            problems.append(f"threads whose message_count is wrong (thread, stored, actual): {counts[:10]}")
    finally:
        db.close()
    problems += check_fts_on_copy(db_path, scratch_dir)
    return problems


def check_fts_on_copy(db_path, scratch_dir):
    """FTS5 'integrity-check' is a write, so it runs on a copy of the crashed files."""
    copy = os.path.join(scratch_dir, "copy.db")
    for suffix in ("", "-wal"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
        if os.path.exists(db_path + suffix):
            shutil.copyfile(db_path + suffix, copy + suffix)
    if os.path.exists(copy + "-shm"):
        os.remove(copy + "-shm")
    db = sqlite3.connect(copy)
    try:
        db.execute("INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)")
        return []
    except sqlite3.DatabaseError as error:
        return [f"FTS5 integrity-check of messages_fts: {error}"]
    finally:
        db.close()


def snapshot_runs(db_path):
    """run id -> (status, [(seq, type)]) for every run in the file."""
    db = open_read_only(db_path)
    try:
        runs = {row[0]: (row[1], []) for row in db.execute("SELECT id, status FROM runs")}
        for run_id, seq, kind in db.execute("SELECT run_id, seq, type FROM run_events ORDER BY run_id, seq"):
            if run_id in runs:
                runs[run_id][1].append((seq, kind))
        return runs
    finally:
        db.close()


def completed_payloads(db_path):
    """run id -> payload of its (last) run_completed event."""
    db = open_read_only(db_path)
    try:
        return {run_id: parse(payload) or {} for run_id, payload in
                db.execute("SELECT run_id, payload FROM run_events WHERE type = 'run_completed' ORDER BY seq")}
    finally:
        db.close()


def log_problems(run_id, status, events, payload):
    """The stored-log rules for one final run: seq 1..N, one run_completed, last, same status."""
    problems = []
    seqs = [seq for seq, _ in events]
    if events and events[0][1] != "run_status":
        problems.append(f"run {run_id} ({status}): its first event is {events[0][1]}, not run_status queued "
                        f"({len(events)} events in all)")
    if seqs != list(range(1, len(seqs) + 1)):
        problems.append(f"run {run_id}: seqs are not 1..N: {seqs[:5]}...{seqs[-5:]}")
    ends = [seq for seq, kind in events if kind == "run_completed"]
    if len(ends) != 1:
        problems.append(f"run {run_id} ({status}): {len(ends)} run_completed events")
    elif ends[0] != seqs[-1]:
        problems.append(f"run {run_id}: run_completed is seq {ends[0]} but the last event is {seqs[-1]}")
    if ends and payload.get("status") != status:
        problems.append(f"run {run_id}: run_completed says {payload.get('status')}, the run says {status}")
    return problems


def graceful_problems(db_path, signalled_ms, margin_ms=100):
    """After SIGTERM, no run that was already running may be left open (queued ones may; see API.md)."""
    db = open_read_only(db_path)
    try:
        left = db.execute("SELECT id, started_at FROM runs WHERE status = 'running' AND started_at < ?",
                          (signalled_ms - margin_ms,)).fetchall()
    finally:
        db.close()
    Tally.add()
    return [f"run {run_id} was running {signalled_ms - started} ms before SIGTERM and is still 'running' after a clean exit"
            for run_id, started in left]


def check_all_runs(db_path, ledger, at_crash):
    """Every run in the file is final, well-formed, and agrees with what was promised before."""
    problems = []
    now = wait_until_final(db_path)
    payloads = completed_payloads(db_path)
    for run_id, (status, events) in now.items():
        if status not in FINAL:
            problems.append(f"run {run_id} is still {status} 20 s after the restart")
            continue
        settled = ledger.settled.get(run_id)
        if settled:  # checked at an earlier restart: it must simply not have changed
            if settled != (status, len(events)):
                problems.append(f"run {run_id} was final as {settled}, is now ({status}, {len(events)} events)")
            continue
        Tally.add()
        ledger.settled[run_id] = (status, len(events))
        problems += log_problems(run_id, status, events, payloads.get(run_id, {}))
        before = at_crash.get(run_id)
        if before and before[0] in UNFINISHED:
            problems += interrupted_problems(run_id, before, (status, events), payloads.get(run_id, {}))
        elif before and before != (status, events):
            problems.append(f"run {run_id} was final ({before[0]}, {len(before[1])} events) in the crashed file, "
                            f"the restart changed it to ({status}, {len(events)} events)")
    for run_id, seen in ledger.seen_final.items():
        if run_id in now and now[run_id][0] != seen:
            problems.append(f"run {run_id}: the API showed it {seen} before the kill, it is {now[run_id][0]} after the restart")
    for run_id in ledger.cancelled:
        if run_id in now and now[run_id][0] != "cancelled":
            problems.append(f"run {run_id}: cancel answered 'cancelled', the run is {now[run_id][0]} after the restart")
    missing_runs = [run_id for run_id in ledger.runs if run_id not in now]
    if missing_runs:
        problems.append(f"acknowledged runs (202) missing from the database: {missing_runs[:10]}")
    return problems, now


def interrupted_problems(run_id, before, after, payload):
    """A run open at the kill ends interrupted, keeps its events and only gains closing ones."""
    problems = []
    status, events = after
    if status != "interrupted":
        problems.append(f"run {run_id} was {before[0]} at the kill and ended {status}, not interrupted")
    if (payload.get("error") or {}).get("code") != "interrupted":
        problems.append(f"run {run_id}: run_completed error is {payload.get('error')}, not code 'interrupted'")
    kept = events[:len(before[1])]
    if kept != before[1]:
        problems.append(f"run {run_id}: events stored before the kill changed: {before[1][-3:]} -> {kept[-3:]}")
    added = [kind for _, kind in events[len(before[1]):]]
    closing = ("tool_completed", "agent_completed")
    if not added or added[-1] != "run_completed" or any(kind not in closing for kind in added[:-1]):
        problems.append(f"run {run_id}: the restart appended {added}, expected only closing events ending in run_completed")
    return problems


def wait_until_final(db_path, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        runs = snapshot_runs(db_path)
        if all(status in FINAL for status, _ in runs.values()) or time.monotonic() > deadline:
            return runs
        time.sleep(0.2)


# MARK: Checks through the API

def check_health(base):
    problems = []
    Tally.add(2)
    for path in ("/healthz", "/readyz"):
        status, body = call(base, "GET", path)
        if status != 200:
            problems.append(f"GET {path} after restart: {status} {body}")
    return problems


def check_tokens(base, users, ledger):
    problems = []
    Tally.add(len(users) + len(ledger.revoked))
    for user in users:
        status, body = call(base, "GET", "/api/auth/me", token=user.token)
        if status != 200:
            problems.append(f"user {user.index}: an access token issued before the restart got {status} {body}")
    for index, token in ledger.revoked:
        status, _ = call(base, "GET", "/api/auth/me", token=token)
        if status != 401:
            problems.append(f"user {index}: a logged-out access token got {status} after the restart, not 401")
    return problems


def check_rotations(base, ledger):
    """An acknowledged refresh stays done: the new refresh token works, the used one is refused."""
    problems = []
    with ledger.lock:
        rotations, ledger.rotations = ledger.rotations, []
    Tally.add(2 * len(rotations))
    for index, old, new in rotations:
        status, body = call(base, "POST", "/api/auth/refresh", {"refresh_token": new})
        if status != 200:
            problems.append(f"user {index}: the refresh token a 200 refresh returned got {status} {body} after the restart")
        status, body = call(base, "POST", "/api/auth/refresh", {"refresh_token": old})
        if status != 401:
            problems.append(f"user {index}: a refresh token already rotated got {status} after the restart, not 401")
    return problems


def check_run_api(base, token, run_id, record):
    """One acknowledged run through the API: exists, becomes final, its events obey the order rules."""
    deadline = time.monotonic() + 20
    while True:
        status, run = call(base, "GET", f"/api/runs/{run_id}", token=token)
        if status != 200:
            return [f"acknowledged run {run_id} answers {status} {run}"], None
        if run["status"] in FINAL or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if run["status"] not in FINAL:
        return [f"run {run_id} is still {run['status']} 20 s after the restart"], None
    status, body = call(base, "GET", f"/api/runs/{run_id}/events?after=0", token=token)
    if status != 200:
        return [f"GET events of {run_id}: {status} {body}"], None
    events = body["items"]
    Tally.add()
    problems = [f"run {run_id}: {problem}" for problem in event_order_problems(events)]
    if events and events[0]["type"] != "run_status":
        problems.append(f"run {run_id}: the first event is {events[0]['type']}, not run_status queued")
    end = events[-1]["payload"] if events and events[-1]["type"] == "run_completed" else {}
    if end.get("status") != run["status"]:
        problems.append(f"run {run_id}: run_completed says {end.get('status')}, GET run says {run['status']}")
    if run["status"] != "succeeded" and (run.get("error") or {}).get("code") is None:
        problems.append(f"run {run_id} is {run['status']} without an error")
    if run["thread_id"] != record["thread"]:
        problems.append(f"run {run_id} moved to thread {run['thread_id']}")
    return problems, (run, end)


def event_order_problems(events):
    """The same rules as EventOrder.violations in Sources/CairnAgents/Engine/EventOrder.swift."""
    problems, open_agents, tools, completed = [], [], {}, False
    for position, event in enumerate(events, start=1):
        kind, agent, payload = event["type"], event.get("agent"), event.get("payload") or {}
        if event["seq"] != position:
            problems.append(f"seq {event['seq']} at position {position}")
        if completed:
            problems.append(f"{kind} after run_completed")
        if kind == "agent_started" and agent:
            open_agents.append(agent)
        elif kind == "agent_completed":
            if not open_agents or open_agents[-1] != agent:
                problems.append(f"agent_completed for {agent} while {open_agents[-1:] or 'none'} is innermost")
                continue
            if agent in tools.values():
                problems.append(f"{agent} completed with a tool call still open")
            open_agents.pop()
        elif kind == "tool_executing":
            tools[payload.get("call_id", "")] = agent or ""
        elif kind == "tool_completed":
            if tools.pop(payload.get("call_id", ""), None) is None:
                problems.append(f"tool_completed for unknown call {payload.get('call_id')}")
        elif kind == "run_completed":
            completed = True
            if open_agents:
                problems.append(f"run_completed with open agents {open_agents}")
        elif kind in ("agent_thinking", "message_delta") and agent and open_agents[-1:] != [agent]:
            problems.append(f"{kind} from {agent}, which is not the innermost open agent")
    if not completed:
        problems.append("no run_completed")
    return problems


def thread_messages(base, token, thread_id):
    """(thread, all messages) through the paged API."""
    status, thread = call(base, "GET", f"/api/threads/{thread_id}", token=token)
    if status != 200:
        return None, None
    messages, cursor = [], None
    while True:
        path = f"/api/threads/{thread_id}/messages?limit=200" + (f"&cursor={urllib.request.quote(cursor)}" if cursor else "")
        status, page = call(base, "GET", path, token=token)
        if status != 200:
            return thread, None
        messages += page["items"]
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            return thread, messages


def check_thread(base, token, thread_id, runs, outcomes):
    """The thread holds each acknowledged run's input, and the answer run_completed names."""
    thread, messages = thread_messages(base, token, thread_id)
    if thread is None:
        return [f"acknowledged thread {thread_id} is gone"]
    if messages is None:
        return [f"thread {thread_id}: its messages could not be listed"]
    problems = []
    Tally.add(1 + len(runs))
    if thread["message_count"] != len(messages):
        problems.append(f"thread {thread_id}: message_count {thread['message_count']} but {len(messages)} messages listed")
    by_run = {}
    for message in messages:
        by_run.setdefault((message.get("run_id"), message["role"]), []).append(message)
    for run_id, record in runs:
        users = by_run.get((run_id, "user"), [])
        if [m["content"] for m in users] != [record["input"]]:
            problems.append(f"thread {thread_id}: acknowledged run {run_id} has user messages {[m['content'][:40] for m in users]}")
        answers = by_run.get((run_id, "assistant"), [])
        outcome = outcomes.get(run_id)
        if outcome is None:
            continue
        run, end = outcome
        named = end.get("message_id")
        if [m["id"] for m in answers] != ([named] if named else []):
            problems.append(f"run {run_id} ({run['status']}): run_completed names {named}, the thread has {[m['id'] for m in answers]}")
        if run["status"] == "succeeded" and not named:
            problems.append(f"run {run_id} succeeded without a message_id")
    return problems


def check_acknowledged(base, users, ledger, workers):
    """Runs and threads acknowledged since the last restart, through the API, in parallel."""
    with ledger.lock:
        run_ids = sorted(ledger.unchecked_runs)
        threads = sorted(ledger.touched_threads)
        ledger.unchecked_runs.clear()
        ledger.touched_threads.clear()
    token_of = {user.index: user.token for user in users}
    problems, outcomes = [], {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda run_id: (run_id, check_run_api(base, token_of[ledger.runs[run_id]["user"]], run_id,
                                                                 ledger.runs[run_id])), run_ids)
        for run_id, (found, outcome) in results:
            problems += found
            if outcome:
                outcomes[run_id] = outcome
        by_thread = {thread: [] for thread in threads}
        for run_id in run_ids:
            by_thread.setdefault(ledger.runs[run_id]["thread"], []).append((run_id, ledger.runs[run_id]))
        for found in pool.map(lambda item: check_thread(base, token_of[ledger.threads[item[0]]], item[0], item[1], outcomes),
                              by_thread.items()):
            problems += found
    listed = listed_threads(base, users)
    problems += [f"acknowledged thread {thread} (201) is missing from its owner's list" for thread in ledger.threads if thread not in listed]
    Tally.add(len(ledger.threads))
    return problems, outcomes


def check_resumes(base, users, ledger, db_path, outcomes, rng, limit=3):
    """Interrupted pipeline runs resume: a new run that reuses exactly the steps the old one finished."""
    interrupted = sorted(run_id for run_id, (run, _) in outcomes.items()
                         if run["status"] == "interrupted" and ledger.runs[run_id]["agent"] == "supervisor")
    problems = []
    for old in rng.sample(interrupted, min(limit, len(interrupted))):
        record = ledger.runs[old]
        user = users[record["user"]]
        finished_steps = succeeded_steps(db_path, old)
        status, run = call(base, "POST", f"/api/runs/{old}/resume", {}, user.token)
        Tally.add()
        if status != 202 or run.get("resumed_from") != old:
            problems.append(f"resume of interrupted pipeline run {old}: {status} {run}")
            continue
        with ledger.lock:
            ledger.runs[run["id"]] = dict(record, resumed_from=old)
            ledger.unchecked_runs.add(run["id"])
            ledger.touched_threads.add(record["thread"])
            user.runs.append(run["id"])
        problems += resumed_run_problems(base, user.token, old, run["id"], record, finished_steps)
    return problems


def succeeded_steps(db_path, run_id):
    db = open_read_only(db_path)
    try:
        return sorted(step for (step,) in db.execute("SELECT step FROM run_steps WHERE run_id = ? AND status = 'succeeded'", (run_id,)))
    finally:
        db.close()


def resumed_run_problems(base, token, old, new, record, finished_steps):
    problems, outcome = check_run_api(base, token, new, record)
    if outcome is None:
        return problems
    run, _ = outcome
    if run["status"] != "succeeded":
        problems.append(f"run {new}, the resume of {old}, ended {run['status']} {run.get('error')}")
    status, body = call(base, "GET", f"/api/runs/{new}/events?after=0", token=token)
    reused = sorted(int(re.match(r"step (\d+)", event["payload"]["message"]).group(1)) for event in (body or {}).get("items", [])
                    if event["type"] == "notice" and event["payload"].get("code") == "step_reused")
    if reused != finished_steps:
        problems.append(f"run {new} resumed {old}: reused steps {reused}, but the old run finished steps {finished_steps}")
    return problems


def listed_threads(base, users):
    """Thread ids of every user, through the paged list."""
    ids = set()
    for user in users:
        cursor = None
        while True:
            path = "/api/threads?limit=200" + (f"&cursor={urllib.request.quote(cursor)}" if cursor else "")
            status, page = call(base, "GET", path, token=user.token)
            if status != 200:
                break
            ids.update(item["id"] for item in page["items"])
            cursor = page.get("next_cursor")
            if not cursor or not page["items"]:
                break
    return ids


# MARK: Setup and the loop

def register_users(base, run_tag):
    users = []
    for index in range(USERS):
        email = f"crash{index}.{run_tag}@example.com"
        status, body = call(base, "POST", "/api/auth/register", {"email": email, "password": PASSWORD, "name": f"Crash {index}"})
        if status != 201:
            fail(f"register {email}: {status} {body}")
        users.append(User(index, email, body["access_token"]))
    return users


def one_iteration(number, server, users, ledger, rng, options, scratch_dir):
    """Traffic, stop (mostly SIGKILL), file checks, restart, promise checks.
    Returns (problems, how it stopped, runs open at the stop)."""
    stop_after = rng.uniform(0.05, 1.5)
    graceful = rng.random() < options.graceful_share
    problems = Driver(server, users, ledger, number, rng).run(options.workers, stop_after, graceful)
    ledger.count("graceful_stops" if graceful else "kills")
    problems += check_file(server.db_path, scratch_dir)
    at_crash = snapshot_runs(server.db_path)
    if rng.random() < options.recovery_kill_share:
        problems += crash_during_recovery(server, ledger, rng, scratch_dir)
    server.start()
    problems += check_health(server.base)
    problems += check_tokens(server.base, users, ledger)
    problems += check_rotations(server.base, ledger)
    found, _ = check_all_runs(server.db_path, ledger, at_crash)
    problems += found
    found, outcomes = check_acknowledged(server.base, users, ledger, options.workers)
    problems += found
    problems += check_resumes(server.base, users, ledger, server.db_path, outcomes, rng)
    open_at_stop = sum(1 for status, _ in at_crash.values() if status in UNFINISHED)
    how = f"{'SIGTERM' if graceful else 'SIGKILL'} after {stop_after * 1000:.0f} ms"
    return problems, how, open_at_stop


def crash_during_recovery(server, ledger, rng, scratch_dir):
    """A second SIGKILL while the next process opens the file and closes the open runs."""
    server.spawn()
    time.sleep(rng.uniform(0.0, 0.4))
    server.kill()
    ledger.count("recovery_kills")
    return [f"after a kill during recovery: {problem}" for problem in check_file(server.db_path, scratch_dir)]


def summary(ledger, iterations_done, open_at_stops, checks, failures, elapsed, ok):
    """The one JSON line printed at the end."""
    statuses = {}
    for run_id in ledger.runs:
        status = ledger.settled.get(run_id, ("unchecked", 0))[0]
        statuses[status] = statuses.get(status, 0) + 1
    counts = ledger.counts
    return {"ok": ok, "iterations": iterations_done, "kills": counts["kills"], "graceful_stops": counts["graceful_stops"],
            "recovery_kills": counts["recovery_kills"], "runs_driven": counts["runs_driven"],
            "runs_acknowledged": counts["runs_acknowledged"], "interrupted": statuses.get("interrupted", 0),
            "final_statuses": statuses, "runs_open_at_stops": open_at_stops, "refused_429": counts["runs_refused_429"],
            "threads_created": counts["threads_created"], "logouts": counts["logouts"], "refreshes": counts["refreshes"],
            "cancels_acknowledged": counts["cancels_acknowledged"], "checks_passed": checks - failures,
            "broken_promises": failures, "seconds": round(elapsed, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the data directory even on success")
    parser.add_argument("--graceful-share", type=float, default=0.1, help="share of iterations stopped with SIGTERM")
    parser.add_argument("--recovery-kill-share", type=float, default=0.15,
                        help="share of iterations that SIGKILL the restarting process once more, mid-recovery")
    parser.add_argument("--keep-going", action="store_true", help="report broken promises and go on to the next iteration")
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(2 ** 31)
    rng = random.Random(seed)
    print(f"crash_safety: seed {seed}", file=sys.stderr)

    root = tempfile.mkdtemp(prefix="cairn-crash-")
    os.chmod(root, 0o700)
    data_dir, log_dir = os.path.join(root, "data"), os.path.join(root, "logs")
    os.mkdir(data_dir, 0o700)
    os.mkdir(log_dir, 0o700)
    binary = os.path.abspath(options.binary)
    known_settings(binary)
    server = Server(binary, data_dir, log_dir)
    atexit.register(server.kill)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ledger = Ledger()
    started, done, open_at_kills, failures, ok = time.monotonic(), 0, 0, 0, False
    try:
        server.start()
        users = register_users(server.base, f"{seed}")
        for number in range(1, options.iterations + 1):
            problems, how, open_now = one_iteration(number, server, users, ledger, rng, options, root)
            open_at_kills += open_now
            problems += [f"while the server was up: {text}" for text in ledger.anomalies]
            ledger.anomalies.clear()
            for problem in problems:
                print(f"FAILED: iteration {number} ({how}): {problem}", file=sys.stderr)
            failures += len(problems)
            if problems and not options.keep_going:
                break
            done = number
            print(f"iteration {number}: {how}, {open_now} runs open at the stop, "
                  f"{len(ledger.runs)} runs acknowledged so far", file=sys.stderr)
        ok = done == options.iterations and failures == 0
    except Broken as error:
        print(f"FAILED: {error}", file=sys.stderr)
    except Unreachable as error:
        log = os.path.join(log_dir, f"serve-{server.starts:02d}.log")
        print(f"FAILED: the restarted server stopped answering ({error}); log {log}:\n{tail(log)}", file=sys.stderr)
    finally:
        server.kill()
        print(json.dumps(summary(ledger, done, open_at_kills, Tally.checks, failures, time.monotonic() - started, ok)))
        if ok and not options.keep:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"crash_safety: data and logs kept in {root} (seed {seed})", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
