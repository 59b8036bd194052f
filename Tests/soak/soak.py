"""Soak test: a steady load of churning WebSocket and HTTP clients against a real `cairn` binary.

    python soak.py /path/to/cairn [--minutes N] [--workers W]

Starts the binary in a temporary data directory and, for N minutes, runs W concurrent asyncio
workers. Most of them loop: ws-ticket -> a new /ws socket -> user_message -> wait for that run's
run_completed (sometimes also following the run over SSE or polling GET /api/runs/{id}, sometimes
dropping the socket in the middle of the run) -> close the socket (sometimes abruptly, with no
close frame) -> again, logging in again now and then. A quarter of them chat over plain HTTP
instead (POST /api/threads, POST /api/threads/{id}/runs, then /stream or polling), every request
on a fresh TCP connection.

Every 5 s it samples the server process (VmRSS, open descriptors, threads) and prints a line.
At the end it prints one JSON summary line and exits 1 when RSS grows by more than 2048 KB/min or
descriptors by more than 1/min after the warm-up (the first 20% of the samples), when any run
failed other than by the load (429/503/1013), or when the server died or would not go idle.
Needs the python `websockets` package (>= 13). Not part of CI: `make soak`.
"""
import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

PASSWORD = "correct horse battery staple"
SAMPLE_SECONDS = 5.0
RSS_SLOPE_LIMIT_KB_PER_MIN = 2048.0
FD_SLOPE_LIMIT_PER_MIN = 1.0
RUN_TIMEOUT = 60.0
TERMINAL = {"succeeded", "failed", "cancelled", "interrupted"}
LOAD_CODES = {429, 503}          # HTTP answers that mean "too busy", not "broken"
LOAD_CLOSE_CODES = {1013}        # WebSocket close codes that mean the same
LOAD_WS_ERRORS = {"rate_limited", "unavailable"}

# (content, agent, what the answer must contain)
PROMPTS = [
    ("What is 17*23?", None, "391"),
    ("What is 17*23?", None, "391"),
    ("What is (12 + 30) * 2?", None, "84"),
    ("Hello there, how are you today?", None, "[cairn-offline]"),
    ("Tell me something about cairns on a hill", None, "[cairn-offline]"),
    ("hello", "supervisor", "[cairn-offline] Report on"),
]


class Failure(Exception):
    """A broken promise of the server (not a load refusal)."""


class LoadRefusal(Exception):
    """The server refused because of load (429, 503, close 1013): counted, not a failure."""


class Stats:
    def __init__(self):
        self.counts = Counter()
        self.failures = []       # (seconds since start, worker, reason)
        self.load = Counter()    # load refusals by kind
        self.started = time.monotonic()

    def fail(self, worker, reason):
        self.counts["failures"] += 1
        if len(self.failures) < 50:
            self.failures.append((round(time.monotonic() - self.started, 1), worker, reason))
        print(f"  FAILURE worker={worker}: {reason}", flush=True)


# ---------------------------------------------------------------------------------------------
# A minimal HTTP/1.1 client: one fresh TCP connection per request, `Connection: close`.

class HTTP:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.connections = 0

    async def request(self, method, path, body=None, token=None, timeout=30.0, headers=None):
        self.connections += 1
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                data = json.dumps(body).encode() if body is not None else b""
                lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close",
                         "User-Agent: cairn-soak/1", f"Content-Length: {len(data)}"]
                if body is not None:
                    lines.append("Content-Type: application/json")
                if token:
                    lines.append("Authorization: Bearer " + token)
                for key, value in (headers or {}).items():
                    lines.append(f"{key}: {value}")
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
                await writer.drain()
                status, response_headers = await self._head(reader)
                payload = await self._body(reader, response_headers, method, status)
                return status, response_headers, payload
            finally:
                writer.close()
                try:
                    await writer.wait_closed()
                except (ConnectionError, OSError):
                    pass

    async def json(self, method, path, body=None, token=None, timeout=30.0):
        status, _, payload = await self.request(method, path, body, token, timeout)
        try:
            return status, json.loads(payload) if payload else {}
        except ValueError:
            raise Failure(f"{method} {path}: {status} with a body that is not JSON: {payload[:200]!r}")

    @staticmethod
    async def _head(reader):
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise Failure(f"malformed status line {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        return int(parts[1]), headers

    @staticmethod
    async def _body(reader, headers, method, status):
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            return b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = bytearray()
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    return bytes(body)
                body += await reader.readexactly(size)
                await reader.readexactly(2)
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        return await reader.read()


# ---------------------------------------------------------------------------------------------
# The server process.

class Server:
    def __init__(self, binary, workdir, extra_settings=()):
        self.binary, self.workdir, self.extra_settings = binary, workdir, list(extra_settings)
        self.data_dir = os.path.join(workdir, "data")
        self.log_path = os.path.join(workdir, "server.log")
        self.process = None
        self.port = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
        arguments = [self.binary, "serve", "--port", "0", "--data-dir", self.data_dir,
                     "--set", "auth.bcrypt_cost=4",
                     "--set", "agents.offline_chunk_delay_ms=2",
                     "--set", "ratelimit.register_per_ip_per_minute=100000",
                     "--set", "ratelimit.login_per_ip_per_minute=100000",
                     "--set", "ratelimit.login_per_account_per_minute=100000",
                     "--set", "ratelimit.threads_per_user_per_minute=100000",
                     "--set", "ratelimit.ws_ticket_per_user_per_minute=100000"]
        for setting in self.extra_settings:
            arguments += ["--set", setting]
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            match = re.search(r"url=http://([^: ]+):(\d+)", self.log())
            if match:
                self.host, self.port = match.group(1), int(match.group(2))
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"cairn exited early ({self.process.returncode}):\n{self.log()[-4000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"cairn did not print its url within 30 s:\n{self.log()[-4000:]}")

    def log(self):
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def sample(self):
        """(rss KB, open fds, threads) of the server process, or None when it is gone."""
        try:
            status = open(f"/proc/{self.pid}/status").read()
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except (FileNotFoundError, ProcessLookupError):
            return None
        rss = int(re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.M).group(1))
        threads = int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))
        return rss, fds, threads

    def stop(self):
        """SIGTERM, then SIGKILL after 15 s. Returns (exit status, seconds) of the graceful attempt."""
        if self.process is None:
            return None, 0.0
        started = time.monotonic()
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return "killed after 15 s", round(time.monotonic() - started, 1)
        self.log_file.close()
        return self.process.returncode, round(time.monotonic() - started, 1)


# ---------------------------------------------------------------------------------------------
# Clients.

class Account:
    """One worker's credentials: its own session of a (possibly shared) user."""

    def __init__(self, http, email, stats, worker):
        self.http, self.email, self.stats, self.worker = http, email, stats, worker
        self.token = None
        self.refresh = None

    async def register_or_login(self):
        status, body = await self.http.json("POST", "/api/auth/register", {"email": self.email, "password": PASSWORD})
        if status == 201:
            self._take(body)
        elif status == 409:
            await self.login()
        else:
            raise Failure(f"register {self.email}: {status} {body}")

    async def login(self):
        await self._token_call("login", "/api/auth/login", {"email": self.email, "password": PASSWORD}, "logins")

    async def _token_call(self, what, path, body, counter):
        """A call answered with a token pair: load refusals and failures raised, the pair kept."""
        status, body = await self.http.json("POST", path, body)
        if status in LOAD_CODES:
            raise LoadRefusal(f"{what} {status}")
        if status != 200:
            raise Failure(f"{what}: {status} {body}")
        self.stats.counts[counter] += 1
        self._take(body)

    async def relogin(self):
        """Log in again (a new session); usually log the old session out, sometimes abandon it."""
        old = self.token
        if random.random() < 0.25 and self.refresh:
            await self._token_call("refresh", "/api/auth/refresh", {"refresh_token": self.refresh}, "refreshes")
            return
        await self.login()
        if random.random() < 0.8:
            status, body = await self.http.json("POST", "/api/auth/logout", {}, token=old)
            if status != 204:
                raise Failure(f"logout of the old session: {status} {body}")
            self.stats.counts["logouts"] += 1
            status, body = await self.http.json("GET", "/api/auth/me", token=old)
            if status != 401:
                raise Failure(f"a logged-out access token still works: GET /api/auth/me {status}")

    def _take(self, body):
        self.token, self.refresh = body["access_token"], body["refresh_token"]

    async def ticket(self):
        for attempt in range(2):
            status, body = await self.http.json("POST", "/api/auth/ws-ticket", {}, token=self.token)
            if status == 201:
                if not str(body.get("ticket", "")).startswith("wst_"):
                    raise Failure(f"ticket: {body}")
                return body["ticket"]
            if status in LOAD_CODES:
                raise LoadRefusal(f"ws-ticket {status}")
            if status == 401 and attempt == 0:  # the access token expired: sign in again
                await self.login()
                continue
            raise Failure(f"ws-ticket: {status} {body}")


def check_run_events(events, where):
    """The events of one run (dicts with seq/type/payload): seq 1..n, one run_completed, last."""
    seqs = [e["seq"] for e in events]
    if seqs != list(range(1, len(seqs) + 1)):
        raise Failure(f"{where}: seq gap or duplicate {seqs[:40]}{'…' if len(seqs) > 40 else ''}")
    kinds = [e["type"] for e in events]
    if not kinds or kinds[-1] != "run_completed" or kinds.count("run_completed") != 1:
        raise Failure(f"{where}: run_completed not once and last: {kinds[-5:]}")


def answer_of(events):
    return "".join(e["payload"].get("text", "") for e in events if e["type"] == "message_delta")


def check_answer(events, expected, where):
    final = events[-1]["payload"]
    if final.get("status") != "succeeded":
        raise Failure(f"{where}: run ended {final.get('status')}: {final.get('error')}")
    answer = answer_of(events)
    if expected not in answer:
        raise Failure(f"{where}: answer {answer[:200]!r} lacks {expected!r}")


async def sse_events(http, token, run_id, after=None):
    headers = {"Last-Event-ID": str(after)} if after is not None else None
    status, response_headers, body = await http.request("GET", f"/api/runs/{run_id}/stream", token=token,
                                                        timeout=RUN_TIMEOUT, headers=headers)
    if status in LOAD_CODES:
        raise LoadRefusal(f"stream {status}")
    if status != 200 or not response_headers.get("content-type", "").startswith("text/event-stream"):
        raise Failure(f"stream {run_id}: {status} {response_headers.get('content-type')} {body[:200]!r}")
    events = []
    for frame in body.decode().split("\n\n"):
        data = [line[5:].lstrip() for line in frame.split("\n") if line.startswith("data:")]
        if data:
            events.append(json.loads("\n".join(data)))
    return events


async def poll_run(http, token, run_id, timeout=RUN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        status, run = await http.json("GET", f"/api/runs/{run_id}", token=token)
        if status != 200:
            raise Failure(f"GET /api/runs/{run_id}: {status} {run}")
        if run.get("status") in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise Failure(f"run {run_id} still {run.get('status')} after {timeout} s")
        await asyncio.sleep(0.05)


async def recv_json(ws, timeout):
    frame = await asyncio.wait_for(ws.recv(), timeout=timeout)
    return json.loads(frame)


async def ws_iteration(http, ws_base, account, stats, worker, thread):
    """One socket: open, chat once, close. Returns the thread to continue (or None)."""
    content, agent, expected = random.choice(PROMPTS)
    if random.random() < 0.1:
        await account.relogin()
    how = random.random()
    if how < 0.8:
        uri, kwargs = f"{ws_base}?ticket={await account.ticket()}", {"subprotocols": ["cairn.v1"]}
    elif how < 0.9:
        uri, kwargs = ws_base, {"additional_headers": {"Authorization": "Bearer " + account.token}}
    else:
        uri, kwargs = ws_base, {"subprotocols": ["cairn.v1", "bearer." + account.token]}
    try:
        ws = await asyncio.wait_for(connect(uri, open_timeout=20, close_timeout=5, max_size=2 ** 22, **kwargs), 25)
    except InvalidStatus as refused:
        code = refused.response.status_code
        if code in LOAD_CODES:
            raise LoadRefusal(f"ws upgrade {code}")
        raise Failure(f"ws upgrade refused with {code} (auth {'ticket' if how < 0.8 else 'header/protocol'})")
    stats.counts["ws_sockets"] += 1
    aborted, follower = False, None
    try:
        hello = await recv_json(ws, 20)
        if hello.get("type") != "connection_established":
            raise Failure(f"first frame {hello}")
        client_msg_id = f"w{worker}-{stats.counts['ws_sockets']}"
        message = {"type": "user_message", "content": content, "client_msg_id": client_msg_id}
        if agent:
            message["agent"] = agent
            thread = None
        elif thread:
            message["thread_id"] = thread
        await ws.send(json.dumps(message))

        run_id, events, deadline = None, [], time.monotonic() + RUN_TIMEOUT
        mode = random.random()
        drop_mid_run = mode < 0.05
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f"no run_completed for {run_id} within {RUN_TIMEOUT} s (seen {[e['type'] for e in events][-5:]})")
            try:
                frame = await recv_json(ws, remaining)
            except asyncio.TimeoutError:
                continue
            kind = frame.get("type")
            if kind == "error":
                code = frame["payload"].get("code")
                if code in LOAD_WS_ERRORS:
                    raise LoadRefusal(f"ws error {code}")
                raise Failure(f"ws error frame {frame}")
            if kind == "message_accepted":
                payload = frame["payload"]
                if payload.get("client_msg_id") == client_msg_id:
                    if events:
                        raise Failure(f"events of {payload['run_id']} before its message_accepted")
                    run_id, thread = payload["run_id"], payload["thread_id"]
                    if 0.05 <= mode < 0.15:
                        follower = asyncio.create_task(sse_events(http, account.token, run_id))
                continue
            if run_id is None or frame.get("run_id") != run_id:
                continue  # another worker's run of the same user, or a run of before this socket
            events.append(frame)
            if drop_mid_run and len(events) >= 3 and kind != "run_completed":
                # Gone without a close frame in the middle of the run: the run must still succeed.
                ws.transport.abort()
                aborted = True
                stats.counts["ws_dropped_mid_run"] += 1
                run = await poll_run(http, account.token, run_id)
                if run["status"] != "succeeded":
                    raise Failure(f"run {run_id} after its socket dropped: {run['status']} {run.get('error')}")
                status, stored = await http.json("GET", f"/api/runs/{run_id}/events", token=account.token)
                if status != 200:
                    raise Failure(f"GET /api/runs/{run_id}/events: {status} {stored}")
                check_run_events(stored["items"], f"stored events of {run_id}")
                check_answer(stored["items"], expected, f"run {run_id} (socket dropped)")
                stats.counts["runs_completed"] += 1
                return None if agent else thread
            if kind == "run_completed":
                break
        check_run_events(events, f"ws events of {run_id}")
        check_answer(events, expected, f"run {run_id} ({content!r})")
        stats.counts["runs_completed"] += 1
        if follower:
            streamed = await follower
            check_run_events(streamed, f"SSE of {run_id}")
            if [(e["seq"], e["type"]) for e in streamed] != [(e["seq"], e["type"]) for e in events]:
                raise Failure(f"SSE and /ws disagree on {run_id}")
            stats.counts["sse_follows"] += 1
        elif 0.15 <= mode < 0.25:
            run = await poll_run(http, account.token, run_id, timeout=5)
            if run["status"] != "succeeded" or "finished_at" not in run:
                raise Failure(f"GET /api/runs/{run_id} after run_completed: {run}")
            stats.counts["polls"] += 1
    except ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else None
        if code in LOAD_CLOSE_CODES:
            raise LoadRefusal(f"ws closed {code}")
        raise Failure(f"socket closed by the server: {code} {closed.rcvd.reason if closed.rcvd else ''}")
    finally:
        if follower and not follower.done():
            follower.cancel()
        if not aborted:
            if random.random() < 0.15:
                ws.transport.abort()
                stats.counts["ws_aborted"] += 1
            else:
                await ws.close()
                stats.counts["ws_closed"] += 1
    # Keep a thread for a few turns (its history is bounded), then start over. A thread the
    # supervisor created has the supervisor as its default agent: never reuse it.
    return thread if not agent and random.random() < 0.7 else None


async def http_iteration(http, account, stats, worker, thread):
    content, agent, expected = random.choice(PROMPTS)
    if random.random() < 0.1:
        await account.relogin()
    if thread is None:
        status, body = await http.json("POST", "/api/threads", {"title": f"soak {worker}"}, token=account.token)
        if status in LOAD_CODES:
            raise LoadRefusal(f"POST /api/threads {status}")
        if status == 401:
            await account.login()
            return None
        if status != 201:
            raise Failure(f"POST /api/threads: {status} {body}")
        thread = body["id"]
        stats.counts["threads_created"] += 1
    request = {"input": content}
    if agent:
        request["agent"] = agent
    status, run = await http.json("POST", f"/api/threads/{thread}/runs", request, token=account.token)
    if status in LOAD_CODES:
        raise LoadRefusal(f"POST runs {status}")
    if status == 401:
        await account.login()
        return thread
    if status != 202 or run.get("status") != "queued":
        raise Failure(f"POST /api/threads/{thread}/runs: {status} {run}")
    stats.counts["http_runs"] += 1
    if random.random() < 0.5:
        events = await sse_events(http, account.token, run["id"])
        stats.counts["sse_follows"] += 1
    else:
        await poll_run(http, account.token, run["id"])
        stats.counts["polls"] += 1
        status, body = await http.json("GET", f"/api/runs/{run['id']}/events", token=account.token)
        if status != 200:
            raise Failure(f"GET events: {status} {body}")
        events = body["items"]
    check_run_events(events, f"events of {run['id']}")
    check_answer(events, expected, f"run {run['id']} ({content!r})")
    stats.counts["runs_completed"] += 1
    if random.random() < 0.2:
        status, body = await http.json("GET", f"/api/threads/{thread}/messages?limit=200", token=account.token)
        if status != 200 or not any(m.get("run_id") == run["id"] and m["role"] == "assistant" for m in body["items"]):
            raise Failure(f"assistant message of {run['id']} missing from the thread: {status}")
    return thread if random.random() < 0.7 else None


async def worker_loop(index, kind, http, ws_base, email, stats, stop):
    account = Account(http, email, stats, index)
    await account.register_or_login()
    thread = None
    while not stop.is_set():
        try:
            if kind == "ws":
                thread = await ws_iteration(http, ws_base, account, stats, index, thread)
            else:
                thread = await http_iteration(http, account, stats, index, thread)
        except LoadRefusal as refusal:
            stats.load[str(refusal)] += 1
            await asyncio.sleep(0.5)
        except Failure as failure:
            stats.fail(index, str(failure))
            thread = None
            await asyncio.sleep(0.5)
        except (ConnectionError, OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
            stats.fail(index, f"{type(error).__name__}: {error}")
            thread = None
            await asyncio.sleep(0.5)


# ---------------------------------------------------------------------------------------------
# Sampling and the verdict.

def slope(points):
    """Least-squares slope of (x, y) points, or None with fewer than 3."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


async def sampler(server, stats, samples, stop):
    while True:
        sample = server.sample()
        if sample is None or not server.alive():
            stats.fail("sampler", f"the server process is gone (exit {server.process.poll()})")
            stop.set()
            return
        elapsed = time.monotonic() - stats.started
        rss, fds, threads = sample
        runs = stats.counts["runs_completed"]
        samples.append({"t": elapsed, "rss_kb": rss, "fds": fds, "threads": threads, "runs": runs})
        print(f"t={elapsed:7.1f}s rss={rss:8d} KB fds={fds:5d} threads={threads:4d} runs={runs:7d} "
              f"({runs / max(elapsed, 1e-9):6.1f}/s) sockets={stats.counts['ws_sockets']:6d} "
              f"load_refusals={sum(stats.load.values())} failures={stats.counts['failures']}", flush=True)
        if stop.is_set():
            return
        try:
            await asyncio.wait_for(stop.wait(), SAMPLE_SECONDS)
            return
        except asyncio.TimeoutError:
            pass


async def admin_token(http, server):
    match = re.search(r"setup_token=(\S+)", server.log())
    if not match:
        return None
    status, body = await http.json("POST", "/api/auth/setup", {"setup_token": match.group(1),
                                                               "email": "soak-admin@example.com",
                                                               "password": PASSWORD})
    return body["access_token"] if status == 201 else None


async def metrics(http, token):
    status, _, body = await http.request("GET", "/metrics", token=token)
    if status != 200:
        return {}
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                pass
    return values


async def run(args):
    workdir = tempfile.mkdtemp(prefix="cairn-soak-")
    server = Server(os.path.abspath(args.binary), workdir, args.set)
    stats, samples, problems, summary = Stats(), [], [], {}
    try:
        server.start()
        http = HTTP(server.host, server.port)
        ws_base = f"ws://{server.host}:{server.port}/ws"
        admin = await admin_token(http, server)
        print(f"cairn pid={server.pid} at http://{server.host}:{server.port}, data {server.data_dir}; "
              f"{args.workers} workers for {args.minutes} min", flush=True)

        stop = asyncio.Event()
        stats.started = time.monotonic()
        if args.mix == "both":
            kinds = ["http" if i % 4 == 3 else "ws" for i in range(args.workers)]
        else:
            kinds = [args.mix] * args.workers
        # Two workers share each user, so every socket also carries the other worker's events.
        workers = [asyncio.create_task(worker_loop(i, kinds[i], http, ws_base, f"soak-{i // 2}@example.com", stats, stop))
                   for i in range(args.workers)]
        sampling = asyncio.create_task(sampler(server, stats, samples, stop))
        try:
            await asyncio.wait_for(stop.wait(), args.minutes * 60)
        except asyncio.TimeoutError:
            pass
        stop.set()
        load_seconds = time.monotonic() - stats.started
        done, pending = await asyncio.wait(workers, timeout=RUN_TIMEOUT + 10)
        for task in pending:
            task.cancel()
            problems.append("a worker did not finish its last iteration within 70 s")
        for task in done:
            if task.exception():
                stats.fail("worker", f"worker crashed: {type(task.exception()).__name__}: {task.exception()}")
        await sampling

        # Idle again: no sockets, no runs left behind.
        idle = {}
        if admin and server.alive():
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                idle = await metrics(http, admin)
                if idle.get("cairn_ws_connections") == 0 and idle.get("cairn_runs_running") == 0 \
                        and idle.get("cairn_runs_queued") == 0:
                    break
                await asyncio.sleep(0.5)
            else:
                problems.append(f"not idle 15 s after the load: ws_connections={idle.get('cairn_ws_connections')} "
                                f"runs_running={idle.get('cairn_runs_running')} runs_queued={idle.get('cairn_runs_queued')}")
        after_idle = server.sample()

        warm = [s for s in samples if s["t"] >= 0.2 * load_seconds]
        rss_slope = slope([(s["t"] / 60, s["rss_kb"]) for s in warm])
        fd_slope = slope([(s["t"] / 60, s["fds"]) for s in warm])
        thread_slope = slope([(s["t"] / 60, s["threads"]) for s in warm])
        if rss_slope is None or fd_slope is None:
            problems.append(f"too few samples after the warm-up ({len(warm)}) to fit a slope")
        if rss_slope is not None and rss_slope > RSS_SLOPE_LIMIT_KB_PER_MIN:
            problems.append(f"RSS grows {rss_slope:.0f} KB/min after the warm-up (limit {RSS_SLOPE_LIMIT_KB_PER_MIN:.0f})")
        if fd_slope is not None and fd_slope > FD_SLOPE_LIMIT_PER_MIN:
            problems.append(f"open descriptors grow {fd_slope:.2f}/min after the warm-up (limit {FD_SLOPE_LIMIT_PER_MIN})")
        if stats.counts["failures"]:
            problems.append(f"{stats.counts['failures']} failures other than load refusals; first: "
                            f"{stats.failures[0][2]}")
        if stats.counts["runs_completed"] == 0:
            problems.append("no run completed")

        log = server.log()
        levels = Counter(m.group(1) for m in re.finditer(r"^\S+ (warning|error|critical) ", log, re.M))
        summary.update({
            "minutes": args.minutes, "workers": args.workers, "mix": args.mix, "extra_settings": args.set, "load_seconds": round(load_seconds, 1),
            "samples": len(samples), "warm_samples": len(warm),
            "rss_start_kb": samples[0]["rss_kb"] if samples else None,
            "rss_warm_start_kb": warm[0]["rss_kb"] if warm else None,
            "rss_end_kb": samples[-1]["rss_kb"] if samples else None,
            "rss_max_kb": max((s["rss_kb"] for s in samples), default=None),
            "rss_slope_kb_per_min": None if rss_slope is None else round(rss_slope, 1),
            "fd_start": samples[0]["fds"] if samples else None,
            "fd_end": samples[-1]["fds"] if samples else None,
            "fd_slope_per_min": None if fd_slope is None else round(fd_slope, 3),
            "threads_start": samples[0]["threads"] if samples else None,
            "threads_end": samples[-1]["threads"] if samples else None,
            "thread_slope_per_min": None if thread_slope is None else round(thread_slope, 3),
            "after_idle": dict(zip(("rss_kb", "fds", "threads"), after_idle)) if after_idle else None,
            "runs_completed": stats.counts["runs_completed"],
            "runs_per_s": round(stats.counts["runs_completed"] / load_seconds, 2),
            "rss_kb_per_warm_run": round((warm[-1]["rss_kb"] - warm[0]["rss_kb"]) / (warm[-1]["runs"] - warm[0]["runs"]), 2)
            if len(warm) >= 2 and warm[-1]["runs"] > warm[0]["runs"] else None,
            "counts": dict(sorted({**stats.counts, "http_connections": http.connections}.items())),
            "load_refusals": dict(stats.load),
            "errors": stats.counts["failures"],
            "error_samples": stats.failures[:10],
            "server_log_levels": dict(levels),
            "server_log_bytes": len(log),
            "idle_metrics": {k: v for k, v in idle.items() if k in ("cairn_ws_connections", "cairn_runs_running",
                                                                    "cairn_runs_queued", "cairn_ws_slow_consumers_dropped_total",
                                                                    "cairn_ws_messages_in_total", "cairn_ws_messages_out_total")},
        })
    except Exception as error:  # noqa: BLE001 - the summary must say why
        problems.append(f"soak aborted: {type(error).__name__}: {error}")
    finally:
        exit_status, stop_seconds = server.stop()
        summary["server_exit"] = exit_status
        summary["server_stop_seconds"] = stop_seconds
        if server.process is not None and exit_status not in (0, -signal.SIGTERM):
            problems.append(f"the server did not stop cleanly on SIGTERM: {exit_status}")
        if problems and os.path.exists(server.log_path):
            interesting = [line for line in server.log().splitlines()
                           if re.match(r"^\S+ (warning|error|critical) ", line)]
            if interesting:
                print("server log warnings/errors (last 20):", file=sys.stderr)
                for line in interesting[-20:]:
                    print("  " + line[:400], file=sys.stderr)
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary["ok"] = not problems
    summary["problems"] = problems
    print(json.dumps(summary), flush=True)
    for problem in problems:
        print("FAILED: " + problem, file=sys.stderr)
    return 0 if not problems else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="path to the cairn binary")
    parser.add_argument("--minutes", type=float, default=10, help="length of the load (default 10)")
    parser.add_argument("--workers", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory and server log")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an extra server setting (repeatable), for experiments")
    parser.add_argument("--mix", choices=["both", "ws", "http"], default="both",
                        help="which clients the workers are: a quarter HTTP (default), or all of one kind")
    args = parser.parse_args()
    if args.workers < 1 or args.minutes <= 0:
        parser.error("--workers must be >= 1 and --minutes > 0")
    random.seed(args.seed)
    try:
        sys.exit(asyncio.run(run(args)))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
