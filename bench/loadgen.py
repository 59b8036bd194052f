"""The load generator of `make bench`: one process, Python asyncio (uvloop) + `websockets`,
driving a running server (Cairn or the baseline, the same client for both) over real HTTP and
WebSocket on loopback. It prints one JSON object (the figures) as its last line of output.

    python loadgen.py chat   --url http://127.0.0.1:PORT --users 100 --chats 5 [--pid PID]
    python loadgen.py logins --url http://127.0.0.1:PORT --clients 8 --seconds 8 [--pid PID]

chat: each user registers once (outside the measurement), opens one `/ws` socket with
`Authorization: Bearer` and waits for `connection_established`. Then, measured, every user at
once sends its chats one after another: `user_message` -> `message_accepted` -> the run's events
-> `run_completed`. An op is send -> `run_completed`; "first event" is send -> the first event
of that run. Every run is checked: seq 1..n without gaps, `run_completed` last with status
`succeeded`, the answer's deltas joined equal to the expected answer. Anything else counts as an
error (error frames, closed sockets, timeouts included).

logins: registers `--clients` users, then each client logs in over and over on one keep-alive
connection for `--seconds`, while a probe asks `GET /healthz` every 20 ms on its own connection.

--pid: the server's root process. Its CPU time (utime + stime from /proc/PID/stat, summed over
the process and all its descendants, e.g. uvicorn's master and workers) is read right before and
right after the measured phase; RSS (VmRSS, summed the same way) is read before the load, every
0.25 s during it (peak) and after it.
"""
import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

try:
    import uvloop
except ImportError:  # plain asyncio works too, only slower
    uvloop = None
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

PASSWORD = "benchmark password 1"
QUESTION = "What is 17*23?"
ANSWER = "[cairn-offline] 17*23 = 391."
OP_TIMEOUT = 120.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# The server's processes, from /proc.

def process_tree(root):
    """`root` and every descendant of it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(root):
    """utime + stime of `root` and its descendants, in seconds (clock ticks / CLK_TCK)."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read()
        except OSError:
            continue
        rest = fields[fields.rindex(")") + 2:].split()
        total += int(rest[11]) + int(rest[12])   # fields 14 and 15 of proc(5): utime, stime
    return total / CLK_TCK


def rss_mb(root):
    """VmRSS of `root` and its descendants, in MB."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


class ServerProbe:
    """CPU before/after and RSS before/peak/after of the server's process tree (when --pid)."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0.0
        self.task = None

    async def _sample(self):
        while True:
            self.peak = max(self.peak, rss_mb(self.pid))
            await asyncio.sleep(0.25)

    def start(self):
        if not self.pid:
            return
        self.rss_before = rss_mb(self.pid)
        self.peak = self.rss_before
        self.processes = len(process_tree(self.pid))
        self.cpu_start = cpu_seconds(self.pid)
        self.task = asyncio.get_running_loop().create_task(self._sample())

    def stop(self):
        if not self.pid:
            return {}
        cpu = cpu_seconds(self.pid) - self.cpu_start
        self.task.cancel()
        after = rss_mb(self.pid)
        return {"server_cpu_s": round(cpu, 3), "server_rss_mb_before": round(self.rss_before, 1),
                "server_rss_mb_peak": round(max(self.peak, after), 1), "server_rss_mb_after": round(after, 1),
                "server_processes": self.processes}


# ---------------------------------------------------------------------------------------------
# A small keep-alive HTTP/1.1 client (one connection, one request at a time).

class HTTPConnection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            self.reader = self.writer = None

    async def request(self, method, path, body=None, token=None, timeout=60.0):
        """(status, parsed JSON body or None). Reconnects once if the kept-alive socket was closed."""
        for attempt in (0, 1):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                async with asyncio.timeout(timeout):
                    return await self._exchange(method, path, body, token)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                await self.close()
                if attempt == 1:
                    raise
            except BaseException:
                await self.close()
                raise

    async def _exchange(self, method, path, body, token):
        data = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(data)}",
                "User-Agent: cairn-loadgen/1"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append("Authorization: Bearer " + token)
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            key, _, value = line.decode("latin-1").partition(":")
            headers[key.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            payload = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                payload += await self.reader.readexactly(size + 2)
                payload = payload[:-2]
        else:
            payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        try:
            return status, (json.loads(payload) if payload else None)
        except ValueError:
            return status, None


async def register(host, port, emails, concurrency=32):
    """Registers every email (logging in instead when it exists); returns their access tokens."""
    tokens = [None] * len(emails)
    queue = list(enumerate(emails))

    async def worker():
        http = HTTPConnection(host, port)
        try:
            while queue:
                index, email = queue.pop()
                status, body = await http.request("POST", "/api/auth/register", {"email": email, "password": PASSWORD})
                if status == 409:
                    status, body = await http.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
                if status not in (200, 201) or not body or "access_token" not in body:
                    raise RuntimeError(f"register {email}: HTTP {status} {body}")
                tokens[index] = body["access_token"]
        finally:
            await http.close()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, len(emails)))))
    return tokens


# ---------------------------------------------------------------------------------------------
# Statistics.

def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p)))]


def summary(values):
    return {"n": len(values), "p50": _ms(percentile(values, 0.5)), "p90": _ms(percentile(values, 0.9)),
            "p99": _ms(percentile(values, 0.99)), "max": _ms(max(values) if values else None)}


def _ms(seconds):
    return None if seconds is None else round(seconds * 1000, 3)


# ---------------------------------------------------------------------------------------------
# chat

class Errors:
    def __init__(self):
        self.counts = Counter()
        self.examples = []

    def add(self, kind, detail=""):
        self.counts[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {detail}"[:300])


async def chat_once(ws, index, errors, record):
    """One op on an open socket. Returns (op seconds, first-event seconds, event types) or None."""
    client_msg_id = f"c{index}"
    started = time.perf_counter()
    await ws.send(json.dumps({"type": "user_message", "content": QUESTION, "client_msg_id": client_msg_id}))
    run_id = None
    first = None
    types = []
    text = []
    expected_seq = 1
    async with asyncio.timeout(OP_TIMEOUT):
        while True:
            message = json.loads(await ws.recv())
            kind = message.get("type")
            if kind == "message_accepted":
                payload = message.get("payload") or {}
                if payload.get("client_msg_id") == client_msg_id:
                    run_id = payload.get("run_id")
                continue
            if kind == "error":
                errors.add("error_frame", json.dumps(message.get("payload")))
                return None
            if "seq" not in message or message.get("run_id") != run_id or run_id is None:
                continue  # another run's event or a frame this op does not wait for
            if first is None:
                first = time.perf_counter() - started
            if message["seq"] != expected_seq:
                errors.add("seq_gap", f"expected {expected_seq}, got {message['seq']}")
                return None
            expected_seq += 1
            types.append(kind)
            if record is not None:
                record.append(message)
            if kind == "message_delta":
                text.append(message["payload"].get("text", ""))
            elif kind == "run_completed":
                elapsed = time.perf_counter() - started
                status = message["payload"].get("status")
                if status != "succeeded":
                    errors.add("run_" + str(status), json.dumps(message["payload"]))
                    return None
                if "".join(text) != ANSWER:
                    errors.add("wrong_answer", "".join(text))
                    return None
                return elapsed, first, types, run_id


async def open_socket(ws_url, token, deflate):
    ws = await connect(ws_url, additional_headers={"Authorization": "Bearer " + token},
                       compression="deflate" if deflate else None, max_size=1 << 20, ping_interval=None,
                       open_timeout=60, close_timeout=5, max_queue=None)
    async with asyncio.timeout(30):
        first = json.loads(await ws.recv())
    if first.get("type") != "connection_established":
        raise RuntimeError(f"first frame is {first.get('type')}")
    return ws


async def scenario_chat(args):
    url = urlsplit(args.url)
    host, port = url.hostname, url.port
    ws_url = f"ws://{host}:{port}/ws"
    tag = args.tag or f"{os.getpid()}-{int(time.time())}"
    emails = [f"bench-{tag}-{index}@example.com" for index in range(args.users)]
    setup_started = time.perf_counter()
    tokens = await register(host, port, emails)
    registered = time.perf_counter() - setup_started

    sockets = [None] * args.users
    gate = asyncio.Semaphore(100)

    async def opener(index):
        async with gate:
            sockets[index] = await open_socket(ws_url, tokens[index], args.deflate)

    opened_at = time.perf_counter()
    await asyncio.gather(*(opener(index) for index in range(args.users)))
    opened = time.perf_counter() - opened_at

    errors = Errors()
    first_run = []
    for index in range(args.warmup):
        await chat_once(sockets[0], 10_000_000 + index, Errors(), None)

    ops, firsts = [], []
    event_counts = []
    last_run = {}
    probe = ServerProbe(args.pid)

    async def user(number):
        ws = sockets[number]
        for chat in range(args.chats):
            record = first_run if number == 0 and chat == 0 else None
            try:
                result = await chat_once(ws, chat, errors, record)
            except TimeoutError:
                errors.add("timeout", f"user {number} chat {chat}")
                result = None
            except ConnectionClosed as closed:
                errors.add("socket_closed", f"user {number}: {closed}")
                return
            if result is not None:
                ops.append(result[0])
                firsts.append(result[1])
                event_counts.append(len(result[2]))
                last_run[number] = (result[3], len(result[2]), result[2])

    probe.start()
    client_cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(user(number) for number in range(args.users)))
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server = probe.stop()

    # resume: a second socket of user 0 asks for its last run from the start and must get the
    # same events, in order, ending with run_completed.
    resume = None
    if 0 in last_run:
        run_id, count, types = last_run[0]
        try:
            ws = await open_socket(ws_url, tokens[0], args.deflate)
            resume_started = time.perf_counter()
            await ws.send(json.dumps({"type": "resume", "run_id": run_id, "after_seq": 0}))
            got = []
            async with asyncio.timeout(10):
                while True:
                    message = json.loads(await ws.recv())
                    if message.get("run_id") == run_id and "seq" in message:
                        got.append(message["type"])
                        if message["type"] == "run_completed":
                            break
                    elif message.get("type") == "error":
                        break
            resume = {"ok": got == types, "events": len(got),
                      "ms": _ms(time.perf_counter() - resume_started)}
            await ws.close()
        except Exception as failure:  # reported, not fatal
            resume = {"ok": False, "error": repr(failure)}

    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)
    runs = len(ops)
    result = {
        "scenario": "chat", "users": args.users, "chats": args.chats, "deflate": args.deflate,
        "runs": runs, "expected_runs": args.users * args.chats, "errors": sum(errors.counts.values()),
        "error_kinds": dict(errors.counts), "error_examples": errors.examples,
        "wall_s": round(wall, 3), "runs_per_s": round(runs / wall, 1) if wall > 0 else None,
        "op_ms": summary(ops), "first_event_ms": summary(firsts),
        "setup": {"register_s": round(registered, 2), "open_sockets_s": round(opened, 2)},
        "events_per_run": len(first_run), "event_types": [event["type"] for event in first_run],
        "events_per_run_mean": round(sum(event_counts) / len(event_counts), 2) if event_counts else None,
        "first_run": first_run, "resume": resume,
    }
    result.update(server)
    result["client_cpu_s"] = round(client_cpu, 3)
    if runs:
        result["client_cpu_ms_per_run"] = round(client_cpu * 1000 / runs, 3)
    if "server_cpu_s" in server and runs:
        result["server_cpu_ms_per_run"] = round(server["server_cpu_s"] * 1000 / runs, 3)
    return result


# ---------------------------------------------------------------------------------------------
# logins

async def scenario_logins(args):
    url = urlsplit(args.url)
    host, port = url.hostname, url.port
    tag = args.tag or f"{os.getpid()}-{int(time.time())}"
    emails = [f"login-{tag}-{index}@example.com" for index in range(args.clients)]
    await register(host, port, emails, concurrency=args.clients)

    logins, errors = [], Counter()
    health = []
    stop = asyncio.Event()

    async def client(email):
        http = HTTPConnection(host, port)
        try:
            while not stop.is_set():
                started = time.perf_counter()
                status, body = await http.request("POST", "/api/auth/login", {"email": email, "password": PASSWORD})
                if status == 200 and body and "access_token" in body:
                    logins.append(time.perf_counter() - started)
                else:
                    errors[f"http_{status}"] += 1
        finally:
            await http.close()

    async def prober():
        http = HTTPConnection(host, port)
        try:
            while not stop.is_set():
                started = time.perf_counter()
                status, _ = await http.request("GET", "/healthz")
                if status == 200:
                    health.append(time.perf_counter() - started)
                else:
                    errors[f"healthz_{status}"] += 1
                await asyncio.sleep(0.02)
        finally:
            await http.close()

    probe = ServerProbe(args.pid)
    probe.start()
    started = time.perf_counter()
    tasks = [asyncio.ensure_future(client(email)) for email in emails] + [asyncio.ensure_future(prober())]
    await asyncio.sleep(args.seconds)
    stop.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    result = {"scenario": "logins", "clients": args.clients, "wall_s": round(wall, 3), "logins": len(logins),
              "logins_per_s": round(len(logins) / wall, 2), "login_ms": summary(logins),
              "healthz_ms": summary(health), "errors": sum(errors.values()), "error_kinds": dict(errors)}
    result.update(probe.stop())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["chat", "logins"])
    parser.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--pid", type=int, default=0, help="the server's root process, for CPU and RSS")
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--chats", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=0, help="chats of the first user before the measurement")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--tag", default="", help="makes the email addresses unique")
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="do not ask for permessage-deflate (asked for by default, as browsers do)")
    args = parser.parse_args()
    runner = scenario_chat if args.scenario == "chat" else scenario_logins
    if uvloop is not None:
        result = uvloop.run(runner(args))
    else:
        result = asyncio.run(runner(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
