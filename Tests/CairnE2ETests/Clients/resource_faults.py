"""Resource faults against the real cairn binary: disk full, database locked, file descriptors exhausted.

usage: python3 resource_faults.py /path/to/cairn-binary

For each fault the server must answer with a clear error or degraded readiness (never crash,
never a 500 with internals, never corrupt the database) and recover once the fault is gone.
Each check prints `ok <name>: ...` or `FAILED <name>: ...` (or `SKIPPED <name>: ...`); the last
line is one JSON summary. Exit status 1 if anything FAILED. Standard library only; runs as root
(the disk-full fault mounts a small tmpfs).
"""
import errno
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else sys.exit("usage: resource_faults.py /path/to/cairn")
PASSWORD = "correct horse battery"
CHECKS = []
SKIPPED = []
NOTES = []
STARTED = time.monotonic()
CHILDREN = []
MOUNTS = []

# Anything that looks like an implementation detail in a response body.
LEAK = re.compile(r"sqlite|grdb|sql\b|select |insert |update |pragma|database is|disk i/o|errno|/tmp/|/work/|\.db\b|"
                  r"\.swift|fatal|traceback|DatabaseError|NIO|Error\(", re.IGNORECASE)


def check(name, condition, what):
    CHECKS.append({"name": name, "ok": bool(condition), "what": what})
    print(f"{'ok' if condition else 'FAILED'} {name}: {what}", flush=True)
    return bool(condition)


def note(name, what):
    """An observation that is reported but does not pass or fail the run."""
    NOTES.append({"name": name, "what": what})
    print(f"note {name}: {what}", flush=True)


def skip(name, reason):
    SKIPPED.append({"name": name, "reason": reason})
    print(f"SKIPPED {name}: {reason}", flush=True)


# --------------------------------------------------------------------------- the server process

class Server:
    """One `cairn serve` child, its combined output collected by a thread."""

    def __init__(self, data_dir, nofile=None):
        self.data_dir = data_dir
        args = [BINARY, "serve", "--port", "0", "--data-dir", data_dir,
                "--set", "ratelimit.register_per_ip_per_minute=100000",
                "--set", "agents.offline_chunk_delay_ms=0",
                "--set", "auth.bcrypt_cost=4"]  # as the Swift E2E tests do; keeps the script fast
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        preexec = None
        if nofile:
            def preexec():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=env, preexec_fn=preexec)
        CHILDREN.append(self)
        self.lines = []
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.port = None

    def _read(self):
        for raw in self.proc.stdout:
            with self.lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_port(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines:
                    match = re.search(r"url=http://[^: ]+:(\d+)", line)
                    if match:
                        self.port = int(match.group(1))
                        return self.port
            if self.proc.poll() is not None:
                raise RuntimeError(f"cairn exited early ({self.proc.returncode}): {self.log_text()[-2000:]}")
            time.sleep(0.02)
        raise RuntimeError(f"cairn did not start listening: {self.log_text()[-2000:]}")

    def mark(self):
        with self.lock:
            return len(self.lines)

    def log_since(self, mark):
        with self.lock:
            return list(self.lines[mark:])

    def log_text(self):
        with self.lock:
            return "\n".join(self.lines)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def interesting(lines, limit=3):
    """The log lines worth quoting: warnings, errors, crashes; not the access log."""
    picked = [l for l in lines if re.search(r"error|warning|critical|fatal|crash|too many|full|busy|locked", l, re.I)
              and " request " not in l and not l.endswith(" request")]
    # Access-log lines of failed requests are useful too, but only a few.
    out = picked[:limit]
    if len(picked) > limit:
        out.append(f"... and {len(picked) - limit} more such lines")
    return out


# --------------------------------------------------------------------------- HTTP

class Reply:
    def __init__(self, status=None, body=b"", elapsed=0.0, error=None, headers=None):
        self.status, self.body, self.elapsed, self.error, self.headers = status, body, elapsed, error, headers or {}
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __str__(self):
        if self.status is None:
            return f"no answer after {self.elapsed:.1f}s ({self.error})"
        text = self.body.decode("utf-8", "replace")
        if len(text) > 220:
            text = text[:220] + "…"
        return f"{self.status} {text} in {self.elapsed:.2f}s"


def call(port, method, path, body=None, token=None, timeout=15):
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=headers)
        reply = conn.getresponse()
        raw = reply.read()
        return Reply(reply.status, raw, time.monotonic() - start,
                     headers={k.lower(): v for k, v in reply.getheaders()})
    except Exception as exc:  # noqa: BLE001 - every failure is an observation here
        return Reply(None, b"", time.monotonic() - start, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def shape_problem(reply):
    """None when `reply` is a well-formed API error without internals, else what is wrong with it."""
    if reply.status is None:
        return "no HTTP answer"
    body = reply.json
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return "body is not {\"error\": {...}}"
    error = body["error"]
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return "error lacks code/message"
    if set(error) - {"code", "message", "details"}:
        return "error has extra keys"
    if LEAK.search(reply.body.decode("utf-8", "replace")):
        return "body leaks internals"
    return None


def classify(reply):
    """'success', 'clear' (a well-formed non-500 error), 'opaque_500', 'bad_body' or 'no_answer'."""
    if reply.status is None:
        return "no_answer"
    if 200 <= reply.status < 300:
        return "success"
    problem = shape_problem(reply)
    if problem:
        return "bad_body"
    if reply.status == 500:
        return "opaque_500"
    return "clear" if reply.status >= 400 else "bad_body"


_counter = [0]


def new_email(tag):
    _counter[0] += 1
    return f"{tag}-{os.getpid()}-{_counter[0]}-{int(time.time() * 1000) % 100000}@example.com"


def register(port, email, timeout=15):
    return call(port, "POST", "/api/auth/register", {"email": email, "password": PASSWORD, "name": "Fault"}, timeout=timeout)


def login(port, email, timeout=15):
    return call(port, "POST", "/api/auth/login", {"email": email, "password": PASSWORD}, timeout=timeout)


def wait_run(port, token, run_id, timeout=15):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = call(port, "GET", f"/api/runs/{run_id}", token=token, timeout=5)
        if last.status == 200 and last.json and last.json.get("status") not in ("queued", "running"):
            return last.json
        time.sleep(0.1)
    return last.json if last and last.json else {"status": f"unknown ({last})"}


def chat_works(port, token):
    """Create a thread, post a run, wait for it: (ok, description)."""
    thread = call(port, "POST", "/api/threads", {"title": "after"}, token=token)
    if thread.status != 201:
        return False, f"POST /api/threads -> {thread}"
    run = call(port, "POST", f"/api/threads/{thread.json['id']}/runs", {"input": "hello"}, token=token)
    if run.status != 202:
        return False, f"POST runs -> {run}"
    final = wait_run(port, token, run.json["id"])
    if final.get("status") != "succeeded":
        return False, f"run ended {json.dumps(final)[:300]}"
    return True, "thread 201, run 202, run succeeded"


def integrity(db_path):
    conn = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        return result, fk
    finally:
        conn.close()


def user_messages(port, token, thread_id):
    page = call(port, "GET", f"/api/threads/{thread_id}/messages?limit=200", token=token)
    if page.status != 200:
        return None
    return sum(1 for m in page.json["items"] if m["role"] == "user")


def describe_replies(pairs):
    return "; ".join(f"{label} -> {reply}" for label, reply in pairs)


def judge_fault_writes(prefix, pairs):
    """Common checks over the writes attempted while a fault is on."""
    kinds = {label: classify(reply) for label, reply in pairs}
    bad = [f"{l}: {shape_problem(r)} ({r})" for l, r in pairs if kinds[l] in ("bad_body", "no_answer")]
    check(f"{prefix}.writes_no_internals", not bad,
          "every write got a well-formed JSON error or succeeded, no internals" if not bad else "; ".join(bad))
    opaque = [f"{l} -> {r}" for l, r in pairs if kinds[l] == "opaque_500"]
    refused = [l for l in kinds if kinds[l] != "success"]
    check(f"{prefix}.writes_clear_error", refused and not opaque,
          ("writes refused with a clear error: " + describe_replies([(l, r) for l, r in pairs if l in refused]))
          if refused and not opaque else
          ("no write was refused (the fault did not bite): " + describe_replies(pairs)) if not refused else
          (f"{len(opaque)} of {len(pairs)} writes answered an opaque 500 internal_error instead of 503 unavailable: "
           + "; ".join(opaque)))
    return kinds


# --------------------------------------------------------------------------- fault 1: disk full

def fill(directory):
    """Fills the filesystem of `directory` to the last byte; returns (path, bytes written)."""
    path = os.path.join(directory, "filler")
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            chunk = b"\0" * size
            while True:
                try:
                    n = os.write(fd, chunk)
                except OSError as exc:
                    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                        break
                    raise
                written += n
                if n < size:
                    break
    finally:
        os.close(fd)
    return path, written


def disk_full(root):
    mountpoint = os.path.join(root, "tmpfs-data")
    os.makedirs(mountpoint)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountpoint],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        skip("disk_full", f"mount -t tmpfs failed ({mounted.returncode}): {mounted.stderr.strip() or mounted.stdout.strip()}")
        return
    MOUNTS.append(mountpoint)
    started = start_with_user(mountpoint, "disk_full")
    if started is None:
        return
    server, port, db_path, email, token = started
    thread = call(port, "POST", "/api/threads", {"title": "before"}, token=token)
    thread_id = thread.json["id"]
    first = call(port, "POST", f"/api/threads/{thread_id}/runs", {"input": "hello"}, token=token)
    wait_run(port, token, first.json["id"])

    filler, written = fill(mountpoint)
    free = os.statvfs(mountpoint)
    mark = server.mark()
    print(f"  (filled {mountpoint}: {written} bytes, {free.f_bavail * free.f_frsize} bytes left)", flush=True)

    # Writes while the disk is full: a thread, chat runs, registrations.
    pairs = [("POST /api/threads", call(port, "POST", "/api/threads", {"title": "full"}, token=token))]
    full_emails = []
    for i in range(3):
        pairs.append((f"POST /api/threads/{{id}}/runs #{i + 1}",
                      call(port, "POST", f"/api/threads/{thread_id}/runs", {"input": "hello"}, token=token)))
    for i in range(2):
        full_emails.append(new_email("diskfull"))
        pairs.append((f"POST /api/auth/register #{i + 1}", register(port, full_emails[-1])))
    pairs.append(("POST /api/auth/login", login(port, email)))
    accepted_runs = [r.json["id"] for l, r in pairs if "runs" in l and r.status == 202]
    kinds = judge_fault_writes("disk_full", pairs)

    ready = call(port, "GET", "/readyz", timeout=10)
    check("disk_full.readyz_503", ready.status == 503 and ready.json and ready.json.get("status") == "unavailable",
          f"/readyz -> {ready}")
    health = call(port, "GET", "/healthz", timeout=5)
    check("disk_full.healthz_200", health.status == 200, f"/healthz -> {health}")
    read = call(port, "GET", "/api/threads", token=token, timeout=10)
    check("disk_full.reads_work", read.status == 200, f"GET /api/threads -> {read.status} in {read.elapsed:.2f}s")
    check("disk_full.alive", server.alive(), "process alive while the disk is full" if server.alive()
          else f"process exited {server.proc.returncode}: {server.log_text()[-1500:]}")
    logged = interesting(server.log_since(mark))
    note("disk_full.logged", " | ".join(logged) if logged else "nothing beyond access lines")

    # Recovery.
    os.unlink(filler)
    time.sleep(0.2)
    ready = call(port, "GET", "/readyz", timeout=10)
    check("disk_full.recovered_readyz", ready.status == 200, f"/readyz after deleting the filler -> {ready}")
    ok, what = chat_works(port, token)
    check("disk_full.recovered_chat", ok, what)
    again = register(port, new_email("diskafter"))
    check("disk_full.recovered_register", again.status == 201, f"register -> {again.status}")
    relog = login(port, email)
    check("disk_full.recovered_login", relog.status == 200, f"login of the user made before the fault -> {relog.status}")
    for run_id in accepted_runs:  # runs that got in while the disk was full must have ended, not hang
        final = wait_run(port, token, run_id, timeout=5)
        print(f"  (run {run_id} accepted while full ended {final.get('status')} {final.get('error', '')})", flush=True)
    # Nothing half-written: one user message per accepted run, and failed registrations left no user.
    expected = 1 + len(accepted_runs)
    have = user_messages(port, token, thread_id)
    check("disk_full.no_half_writes_runs", have == expected,
          f"thread has {have} user messages for {expected} accepted runs")
    leftovers = []
    for addr, (label, reply) in zip(full_emails, [p for p in pairs if "register" in p[0]]):
        if reply.status != 201:
            retry = register(port, addr)
            if retry.status != 201:
                leftovers.append(f"{addr} failed with {reply.status} but re-register -> {retry}")
    check("disk_full.no_half_writes_users", not leftovers,
          "emails whose registration failed are free again" if not leftovers else "; ".join(leftovers))
    result, fk = integrity(db_path)
    check("disk_full.integrity", result == ["ok"] and not fk, f"integrity_check {result[:3]}, foreign_key_check {fk[:3]}")
    status = server.stop()
    check("disk_full.clean_exit", status == 0, f"SIGTERM -> exit {status}")
    result, fk = integrity(db_path)
    check("disk_full.integrity_after_stop", result == ["ok"] and not fk, f"integrity_check {result[:3]}")


# --------------------------------------------------------------------------- fault 2: database locked

def start_with_user(data_dir, prefix):
    """Starts a server on `data_dir` and registers a user before the fault; None if that failed."""
    server = Server(data_dir)
    port = server.wait_port()
    email = new_email(prefix.split("_")[0] if prefix != "db_locked" else "lock")
    reg = register(port, email)
    if not check(f"{prefix}.setup", reg.status == 201, f"register before the fault -> {reg.status}"):
        return None
    return server, port, os.path.join(data_dir, "cairn.db"), email, reg.json["access_token"]


def db_locked(root):
    data = os.path.join(root, "locked-data")
    started = start_with_user(data, "db_locked")
    if started is None:
        return
    server, port, db_path, email, token = started
    thread_id = call(port, "POST", "/api/threads", {"title": "lock"}, token=token).json["id"]

    holder = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    mark = server.mark()
    print(f"  (BEGIN EXCLUSIVE held on {db_path})", flush=True)
    try:
        ready = call(port, "GET", "/readyz", timeout=10)
        check("db_locked.readyz_fast_503", ready.status == 503 and ready.elapsed < 2.0, f"/readyz -> {ready}")
        health = call(port, "GET", "/healthz", timeout=5)
        check("db_locked.healthz_200", health.status == 200, f"/healthz -> {health}")
        read = call(port, "GET", "/api/threads", token=token, timeout=10)
        me = call(port, "GET", "/api/auth/me", token=token, timeout=10)
        check("db_locked.reads_work", read.status == 200 and me.status == 200 and max(read.elapsed, me.elapsed) < 2,
              f"GET /api/threads -> {read.status} in {read.elapsed:.2f}s, GET /api/auth/me -> {me.status} in {me.elapsed:.2f}s")

        # Writes, one after another on a thread; meanwhile /readyz again, queued behind a waiting write.
        pairs = []
        lock_email = new_email("lockfail")

        def writes():
            pairs.append(("POST /api/threads/{id}/runs",
                          call(port, "POST", f"/api/threads/{thread_id}/runs", {"input": "hello"}, token=token, timeout=20)))
            pairs.append(("POST /api/auth/register", register(port, lock_email, timeout=20)))

        writer = threading.Thread(target=writes)
        writer.start()
        time.sleep(1.0)
        behind = call(port, "GET", "/readyz", timeout=15)
        check("db_locked.readyz_fast_while_write_waits", behind.status == 503 and behind.elapsed < 2.0,
              f"/readyz sent 1 s after a write started waiting for the lock -> {behind}")
        writer.join(timeout=25)
        # Three writes at once: each should fail within about the busy timeout (5 s), not queue up.
        burst = {}

        def one(i):
            burst[i] = call(port, "POST", f"/api/threads/{thread_id}/runs", {"input": "hello"}, token=token, timeout=30)

        workers = [threading.Thread(target=one, args=(i,)) for i in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=35)
        held = time.monotonic() - locked_at
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    print(f"  (lock released after {held:.1f}s)", flush=True)
    pairs += [(f"concurrent POST runs #{i + 1}", burst[i]) for i in sorted(burst)]
    kinds = judge_fault_writes("db_locked", pairs)
    latencies = sorted(r.elapsed for r in burst.values())
    check("db_locked.concurrent_writes_bounded", len(latencies) == 3 and latencies[-1] < 7.0,
          "3 concurrent writes under the lock answered after " + ", ".join(f"{t:.1f}s" for t in latencies)
          + " (statuses " + ", ".join(str(burst[i].status) for i in sorted(burst)) + ")")
    check("db_locked.alive", server.alive(), "process alive" if server.alive() else f"exited {server.proc.returncode}")
    logged = interesting(server.log_since(mark))
    note("db_locked.logged", " | ".join(logged) if logged else "nothing beyond access lines")

    ready = call(port, "GET", "/readyz", timeout=10)
    check("db_locked.recovered_readyz", ready.status == 200, f"/readyz after release -> {ready}")
    ok, what = chat_works(port, token)
    check("db_locked.recovered_chat", ok, what)
    again = register(port, new_email("lockafter"))
    check("db_locked.recovered_register", again.status == 201, f"register -> {again.status}")
    run_reply = pairs[0][1] if pairs else None
    expected = sum(1 for l, r in pairs if "runs" in l and r.status == 202)
    have = user_messages(port, token, thread_id)
    reg_reply = pairs[1][1] if len(pairs) > 1 else None
    retry = register(port, lock_email) if reg_reply is not None and reg_reply.status != 201 else None
    check("db_locked.no_half_writes", have == expected and (retry is None or retry.status == 201),
          f"thread has {have} user messages for {expected} accepted runs; "
          f"re-register of the refused email -> {retry.status if retry else 'n/a'}")
    result, fk = integrity(db_path)
    check("db_locked.integrity", result == ["ok"] and not fk, f"integrity_check {result[:3]}, foreign_key_check {fk[:3]}")
    status = server.stop()
    check("db_locked.clean_exit", status == 0, f"SIGTERM -> exit {status}")


# --------------------------------------------------------------------------- fault 3: file descriptors

def raw_request(sock, method, path, body=None, timeout=5):
    """One HTTP/1.1 request on an already-open socket; returns a Reply."""
    start = time.monotonic()
    data = json.dumps(body).encode() if body is not None else b""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode()
    try:
        sock.settimeout(timeout)
        sock.sendall(head + data)
        chunks = []
        while True:
            piece = sock.recv(65536)
            if not piece:
                break
            chunks.append(piece)
        raw = b"".join(chunks)
        if not raw:
            return Reply(None, b"", time.monotonic() - start, "connection closed without an answer")
        header, _, payload = raw.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" in header.lower():
            payload = dechunk(payload)
        return Reply(status, payload, time.monotonic() - start)
    except Exception as exc:  # noqa: BLE001
        return Reply(None, b"", time.monotonic() - start, f"{type(exc).__name__}: {exc}")


def dechunk(data):
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2:]
    return out


def fd_exhausted(root):
    data = os.path.join(root, "fd-data")
    server = Server(data, nofile=128)
    port = server.wait_port()
    limit_line = next((l for l in server.log_since(0) if "open_files_limit" in l), "")
    limit = re.search(r"open_files_limit=(\S+)", limit_line)
    check("fd.limit_applied", limit and limit.group(1) == "128", f"server logs open_files_limit={limit.group(1) if limit else '?'}")
    email = new_email("fd")
    reg = register(port, email)
    if not check("fd.setup", reg.status == 201, f"register -> {reg.status}"):
        return
    token = reg.json["access_token"]
    server_fds = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
    mark = server.mark()

    sockets = []
    refused = 0
    opened_at = time.monotonic()
    for _ in range(200):
        try:
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=1))
        except OSError:
            refused += 1
    time.sleep(1.0)  # let the server accept what it can
    held = len(os.listdir(f"/proc/{server.proc.pid}/fd"))
    print(f"  (server had {server_fds} fds; opened {len(sockets)} idle connections ({refused} failed); "
          f"server now holds {held} of 128 fds)", flush=True)
    check("fd.exhausted", held >= 120, f"server holds {held} fds of its 128 limit")

    # While exhausted: a brand-new connection (waits in the backlog) is started in the background and
    # must be answered once descriptors free up; requests on already accepted connections should work.
    pending = {}

    def late():
        pending["reply"] = call(port, "GET", "/healthz", timeout=30)
        pending["at"] = time.monotonic()

    late_thread = threading.Thread(target=late)
    late_thread.start()
    fresh = call(port, "GET", "/healthz", timeout=3)
    on_old = raw_request(sockets[0], "GET", "/healthz", timeout=5)
    login_old = raw_request(sockets[1], "POST", "/api/auth/login", {"email": email, "password": PASSWORD}, timeout=10)
    ready_old = raw_request(sockets[2], "GET", "/readyz", timeout=10)
    note("fd.new_connection_while_exhausted", f"/healthz on a new connection -> {fresh}")
    check("fd.while_exhausted_answers", on_old.status == 200,
          f"on already accepted idle connections: /healthz -> {on_old}, login -> {login_old}, /readyz -> {ready_old}")
    during = [("login on accepted connection", login_old), ("/readyz on accepted connection", ready_old)]
    bad = [f"{l}: {shape_problem(r)} ({r})" for l, r in during
           if r.status is not None and not 200 <= r.status < 300 and r.status != 503 and shape_problem(r)]
    check("fd.while_exhausted_no_internals", not bad, "no malformed or leaking answers" if not bad else "; ".join(bad))
    # Does the server reap idle connections by itself? (Idle for a few seconds by now.)
    reaped = 0
    for s in sockets[3:]:
        try:
            s.setblocking(False)
            if s.recv(1) == b"":
                reaped += 1
        except BlockingIOError:
            pass
        except OSError:
            reaped += 1
    idle_for = time.monotonic() - opened_at
    note("fd.idle_connections_reaped", f"after {idle_for:.1f}s idle the server had closed {reaped} of {len(sockets) - 3} idle connections")
    check("fd.alive_while_exhausted", server.alive(), "process alive" if server.alive() else f"exited {server.proc.returncode}")

    closed_at = time.monotonic()
    for s in sockets:
        s.close()
    late_thread.join(timeout=35)
    reply = pending.get("reply")
    waited = (pending.get("at", closed_at) - closed_at)
    check("fd.backlogged_request_served", reply is not None and reply.status == 200,
          f"the /healthz sent while exhausted -> {reply}, {max(waited, 0):.1f}s after the idle connections closed")

    deadline = time.monotonic() + 10
    health = call(port, "GET", "/healthz", timeout=5)
    while health.status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        health = call(port, "GET", "/healthz", timeout=5)
    check("fd.recovered_healthz", health.status == 200, f"/healthz after closing -> {health}")
    relog = login(port, email)
    check("fd.recovered_login", relog.status == 200, f"login -> {relog}")
    ready = call(port, "GET", "/readyz", timeout=10)
    check("fd.recovered_readyz", ready.status == 200, f"/readyz -> {ready}")
    ok, what = chat_works(port, token)
    check("fd.recovered_chat", ok, what)
    check("fd.alive", server.alive(), "process alive" if server.alive() else f"exited {server.proc.returncode}")
    log = server.log_since(mark)
    noisy = [l for l in log if re.search(r"too many open files|EMFILE|error", l, re.I) and not re.search(r" request\b", l)]
    note("fd.logged", f"{len(noisy)} error lines in the server log during exhaustion"
         + (f", e.g. {noisy[0][:300]}" if noisy else ""))
    result, fk = integrity(os.path.join(data, "cairn.db"))
    check("fd.integrity", result == ["ok"] and not fk, f"integrity_check {result[:3]}")
    status = server.stop()
    check("fd.clean_exit", status == 0, f"SIGTERM -> exit {status}")


# --------------------------------------------------------------------------- main

def main():
    if not os.access(BINARY, os.X_OK):
        sys.exit(f"not an executable: {BINARY}")
    root = tempfile.mkdtemp(prefix="cairn-faults-")
    try:
        for name, fault in (("disk_full", disk_full), ("db_locked", db_locked), ("fd", fd_exhausted)):
            try:
                fault(root)
            except Exception as exc:  # noqa: BLE001 - a broken harness step is a failure, not a crash
                check(f"{name}.harness", False, f"{type(exc).__name__}: {exc}")
            finally:
                for child in list(CHILDREN):
                    if child.alive():
                        child.stop()
    finally:
        for child in CHILDREN:
            if child.proc.poll() is None:
                child.proc.kill()
                child.proc.wait(5)
        for mountpoint in MOUNTS:
            if subprocess.run(["umount", mountpoint], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
    failed = [c["name"] for c in CHECKS if not c["ok"]]
    print(json.dumps({"ok": not failed, "passed": len(CHECKS) - len(failed), "failed": failed,
                      "skipped": SKIPPED, "notes": NOTES, "seconds": round(time.monotonic() - STARTED, 1), "checks": CHECKS}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
