"""`make bench`: Cairn side by side with a FastAPI + uvicorn baseline (issue 11).

    python bench/run_bench.py [--cairn .build-release/release/cairn]
                              [--cairn-bench .build-release/release/cairn-bench] [--quick]
                              [--rounds N] [--only seq,u20,u100,u1000,logins,swift] [--no-deflate]

For every scenario it starts a fresh server with a fresh data directory, drives it with
bench/loadgen.py (a process of its own) and stops it: Cairn first, then the baseline, scenario
after scenario; the whole alternation 3 times (--rounds N; 1 with --quick), the table showing
the median of each figure. Then
it runs the Cairn-only figures of `cairn-bench ws-idle` and `cairn-bench ws`. It prints a table
with the ratio Cairn / baseline per figure and writes bench/results/latest.json.

Both servers get the same settings: bcrypt cost 4 for the chat scenarios (so that creating 1,000
users takes seconds, not minutes) and 12 for the login scenario; Cairn's offline model with no
delay between words; Cairn's rate limits raised out of the way (the baseline has none).
"""
import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LOADGEN = os.path.join(HERE, "loadgen.py")
BASELINE = os.path.join(HERE, "baseline", "server.py")
RESULTS = os.path.join(HERE, "results", "latest.json")

CHAT_COST = 4
LOGIN_COST = 12

CAIRN_SETTINGS = {
    "agents.offline_chunk_delay_ms": "0",
    "ratelimit.register_per_ip_per_minute": "100000",
    "ratelimit.login_per_ip_per_minute": "100000",
    "ratelimit.login_per_account_per_minute": "100000",
    "ratelimit.threads_per_user_per_minute": "100000",
    "ws.messages_per_minute": "100000",
    "ws.max_connections_per_user": "100",
}


def scenarios(quick):
    """(key, title, bcrypt cost, loadgen arguments)."""
    return [
        ("seq", "1. one user, sequential chats", CHAT_COST,
         ["chat", "--users", "1", "--chats", "60" if quick else "200", "--warmup", "10"]),
        ("u20", "2. 20 users x 3 chats at once", CHAT_COST, ["chat", "--users", "20", "--chats", "3", "--warmup", "5"]),
        ("u100", "3. 100 users x 5 chats at once", CHAT_COST, ["chat", "--users", "100", "--chats", "5", "--warmup", "5"]),
        ("u1000", "4. 1,000 users x 3 chats at once", CHAT_COST,
         ["chat", "--users", "1000", "--chats", "3", "--warmup", "5"]),
        ("logins", f"6. logins at bcrypt cost {LOGIN_COST} (8 clients), /healthz every 20 ms meanwhile", LOGIN_COST,
         ["logins", "--clients", "8", "--seconds", "4" if quick else "8"]),
    ]


def log(line=""):
    print(line, flush=True)


# ---------------------------------------------------------------------------------------------
# Servers

def rss_mb_tree(root):
    sys.path.insert(0, HERE)
    from loadgen import rss_mb
    return rss_mb(root)


class Server:
    """One server process (and, for the baseline, its workers) in a fresh data directory."""

    def __init__(self, kind, command, data_dir):
        self.kind, self.command, self.data_dir = kind, command, data_dir
        self.log_path = os.path.join(data_dir, "server.log")
        self.process = None
        self.port = None

    def start(self, timeout=60):
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command, stdout=self.log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while self.port is None:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} did not report its port: {self.log_tail()}")
            with open(self.log_path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
            ports = [int(port) for port in re.findall(r"127\.0\.0\.1:(\d+)", text) if int(port) > 0]
            if ports:
                self.port = ports[0]
            else:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"
        while True:  # the baseline's workers answer a little after the socket is bound
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} never answered /healthz: {self.log_tail()}")
            time.sleep(0.05)
        time.sleep(0.5)  # let the start settle before the idle RSS is read
        self.idle_rss = round(rss_mb_tree(self.process.pid), 1)
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only what it started
                self.process.wait()
        try:  # the baseline's workers and helper, should any outlive the master
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log_file.close()

    def log_tail(self, size=1500):
        try:
            with open(self.log_path, "rb") as handle:
                return handle.read().decode("utf-8", "replace")[-size:]
        except OSError:
            return ""


def cairn_command(binary, data_dir, bcrypt_cost):
    command = [binary, "serve", "--port", "0", "--data-dir", data_dir]
    for key, value in {**CAIRN_SETTINGS, "auth.bcrypt_cost": str(bcrypt_cost)}.items():
        command += ["--set", f"{key}={value}"]
    return command


def baseline_command(data_dir, bcrypt_cost):
    return [sys.executable, BASELINE, "--port", "0", "--data-dir", data_dir, "--workers", "2",
            "--bcrypt-cost", str(bcrypt_cost)]


def run_one(kind, cairn_binary, cost, loadgen_args, deflate, tag):
    data_dir = tempfile.mkdtemp(prefix=f"bench-{kind}-")
    server_dir = os.path.join(data_dir, "data")
    os.makedirs(server_dir)
    command = cairn_command(cairn_binary, server_dir, cost) if kind == "cairn" else baseline_command(server_dir, cost)
    server = Server(kind, command, data_dir)
    try:
        server.start()
        arguments = [sys.executable, LOADGEN] + loadgen_args + ["--url", server.url, "--pid", str(server.process.pid),
                                                                "--tag", tag]
        if not deflate:
            arguments.append("--no-deflate")
        started = time.monotonic()
        completed = subprocess.run(arguments, capture_output=True, text=True, timeout=600, cwd=ROOT)
        lines = completed.stdout.strip().splitlines()
        if completed.returncode != 0 or not lines:
            raise RuntimeError(f"loadgen failed ({completed.returncode}): {completed.stderr[-2000:]}")
        result = json.loads(lines[-1])
        result["loadgen_s"] = round(time.monotonic() - started, 1)
        result["server_idle_rss_mb"] = server.idle_rss
        result["server_alive_after"] = server.alive()
        return result
    except Exception as failure:
        log(f"    {kind}: FAILED: {failure}")
        return {"failed": str(failure)[-3000:], "server_log_tail": server.log_tail()}
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# cairn-bench (Cairn only)

def run_cairn_bench(cairn_bench, cairn_binary, part, connections, timeout=600):
    env = dict(os.environ, CAIRN_BINARY=os.path.abspath(cairn_binary), WS_CONNECTIONS=str(connections))
    started = time.monotonic()
    try:
        completed = subprocess.run([cairn_bench, part], capture_output=True, text=True, timeout=timeout, env=env,
                                   cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"failed": f"timed out after {timeout} s"}
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    result = {"exit": completed.returncode, "lines": lines, "seconds": round(time.monotonic() - started, 1)}
    if completed.returncode != 0:
        result["failed"] = completed.stderr[-2000:]
    return result


def parse_cairn_bench(idle, ws):
    """The figures of the ws-idle and ws lines (see Sources/CairnBench)."""
    figures = {}
    for line in (idle or {}).get("lines", []):
        found = re.search(r"ws-idle: (\d+)/(\d+) connections .* open in ([\d.]+) s; cairn server RSS ([\d.]+) MB -> "
                          r"([\d.]+) MB = (-?[\d.]+) KB per connection.*p99=([\d.]+)ms", line)
        if found:
            figures["idle_connections"] = int(found.group(1))
            figures["idle_open_s"] = float(found.group(3))
            figures["idle_rss_before_mb"] = float(found.group(4))
            figures["idle_rss_after_mb"] = float(found.group(5))
            figures["idle_kb_per_connection"] = float(found.group(6))
            figures["idle_healthz_p99_ms"] = float(found.group(7))
    for line in (ws or {}).get("lines", []):
        found = re.search(r"ws fan-out: (\d+) runs to (\d+) sockets: (\d+) events delivered .* in ([\d.]+) s = "
                          r"(\d+) events/s.*p50=([\d.]+)ms.*p99=([\d.]+)ms", line)
        if found:
            figures["fanout_runs"] = int(found.group(1))
            figures["fanout_sockets"] = int(found.group(2))
            figures["fanout_events"] = int(found.group(3))
            figures["fanout_events_per_s"] = int(found.group(5))
            figures["fanout_latency_p50_ms"] = float(found.group(6))
            figures["fanout_latency_p99_ms"] = float(found.group(7))
    return figures


# ---------------------------------------------------------------------------------------------
# The table

def get(result, path):
    value = result
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def median_of(results, path):
    values = [get(result, path) for result in results]
    values = [value for value in values if isinstance(value, (int, float))]
    return statistics.median(values) if values else None


# (scenario key, label, path in the loadgen result ("other scenario:path" to borrow one), unit,
# lower is better; None: no side is better)
ROWS = [
    ("seq", "op p50", "op_ms.p50", "ms", True),
    ("seq", "op p99", "op_ms.p99", "ms", True),
    ("seq", "runs/s", "runs_per_s", "", False),
    ("seq", "server CPU per run", "server_cpu_ms_per_run", "ms", True),
    ("u20", "op p50", "op_ms.p50", "ms", True),
    ("u20", "op p99", "op_ms.p99", "ms", True),
    ("u20", "first event p50", "first_event_ms.p50", "ms", True),
    ("u20", "runs/s", "runs_per_s", "", False),
    ("u20", "errors", "errors", "", True),
    ("u100", "op p50", "op_ms.p50", "ms", True),
    ("u100", "op p99", "op_ms.p99", "ms", True),
    ("u100", "first event p50", "first_event_ms.p50", "ms", True),
    ("u100", "runs/s", "runs_per_s", "", False),
    ("u100", "errors", "errors", "", True),
    ("u100", "events per run (mean)", "events_per_run_mean", "", None),
    ("u1000", "first event p50", "first_event_ms.p50", "ms", True),
    ("u1000", "first event p99", "first_event_ms.p99", "ms", True),
    ("u1000", "op (run completion) p50", "op_ms.p50", "ms", True),
    ("u1000", "op (run completion) p99", "op_ms.p99", "ms", True),
    ("u1000", "runs/s", "runs_per_s", "", False),
    ("u1000", "errors", "errors", "", True),
    ("u1000", "events per run (mean)", "events_per_run_mean", "", None),
    ("cpu", "server CPU per run, 20 x 3", "u20:server_cpu_ms_per_run", "ms", True),
    ("cpu", "server CPU per run, 100 x 5", "u100:server_cpu_ms_per_run", "ms", True),
    ("cpu", "server CPU per run, 1,000 x 3", "u1000:server_cpu_ms_per_run", "ms", True),
    ("cpu", "server RSS idle after start", "u100:server_idle_rss_mb", "MB", True),
    ("cpu", "server RSS peak, 100 x 5", "u100:server_rss_mb_peak", "MB", True),
    ("cpu", "server RSS peak, 1,000 x 3 (1,000 sockets)", "u1000:server_rss_mb_peak", "MB", True),
    ("cpu", "load generator CPU per run, 100 x 5", "u100:client_cpu_ms_per_run", "ms", None),
    ("logins", "logins/s", "logins_per_s", "", False),
    ("logins", "login p50", "login_ms.p50", "ms", True),
    ("logins", "/healthz p99 meanwhile", "healthz_ms.p99", "ms", True),
    ("logins", "server CPU per login", "server_cpu_ms_per_login", "ms", True),
    ("logins", "errors", "errors", "", True),
]


def fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, int):
        text = f"{value:,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return text + (f" {unit}" if unit else "")


def build_table(results, titles):
    """Rows of (section, label, cairn, baseline, ratio, better)."""
    table = []
    for section, label, path, unit, lower in ROWS:
        key, _, field = path.rpartition(":")
        key = key or section
        cairn = median_of(results.get(key, {}).get("cairn", []), field)
        base = median_of(results.get(key, {}).get("baseline", []), field)
        ratio = better = None
        if isinstance(cairn, (int, float)) and isinstance(base, (int, float)):
            if base != 0:
                ratio = cairn / base
            if cairn != base and lower is not None:
                better = "Cairn" if (cairn < base) == lower else "baseline"
        table.append({"section": section, "figure": label, "unit": unit, "lower_is_better": lower,
                      "cairn": cairn, "baseline": base, "ratio": ratio, "better": better})
    return table


def print_table(table, titles):
    width = max(len(row["figure"]) for row in table) + 2
    header = f"  {'figure':<{width}}{'Cairn':>14}{'baseline':>14}{'Cairn/base':>12}  better"
    section = None
    for row in table:
        if row["section"] != section:
            section = row["section"]
            log()
            log(titles[section])
            log(header)
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        log(f"  {row['figure']:<{width}}{fmt(row['cairn'], row['unit']):>14}{fmt(row['baseline'], row['unit']):>14}"
            f"{ratio:>12}  {row['better'] or ''}")


def print_swift(swift):
    if not swift:
        return
    log()
    log("7. Cairn only (cairn-bench)")
    if "skipped" in swift:
        log(f"  skipped: {swift['skipped']}")
        return
    f = swift.get("figures") or {}
    if "idle_connections" in f:
        log(f"  ws-idle: {f['idle_connections']:,} idle sockets open in {f['idle_open_s']} s; server RSS "
            f"{f['idle_rss_before_mb']:.0f} MB -> {f['idle_rss_after_mb']:.0f} MB = {f['idle_kb_per_connection']} KB per "
            f"socket; /healthz p99 {f['idle_healthz_p99_ms']} ms meanwhile")
    else:
        log("  ws-idle: no figures (see the lines above and results/latest.json)")
    if "fanout_events" in f:
        log(f"  ws fan-out: {f['fanout_runs']} runs to {f['fanout_sockets']:,} sockets: {f['fanout_events_per_s']:,} "
            f"events/s delivered to 1,000 clients; event time -> client p50 {f['fanout_latency_p50_ms']} ms, "
            f"p99 {f['fanout_latency_p99_ms']} ms (server and clients in one process)")
    else:
        log("  ws fan-out: no figures (see the lines above and results/latest.json)")


def event_shape(first_run):
    return [(event.get("type"), "agent" in event, tuple(sorted((event.get("payload") or {}).keys())))
            for event in first_run or []]


def compare_events(results):
    cairn = [r for r in results.get("seq", {}).get("cairn", []) if r.get("first_run")]
    base = [r for r in results.get("seq", {}).get("baseline", []) if r.get("first_run")]
    if not cairn or not base:
        return {"same": None, "note": "no run recorded on one side"}
    a, b = event_shape(cairn[0]["first_run"]), event_shape(base[0]["first_run"])
    differences = [f"seq {index + 1}: Cairn {x} / baseline {y}"
                   for index, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(a) != len(b):
        differences.append(f"Cairn sends {len(a)} events, the baseline {len(b)}")
    return {"same": not differences, "differences": differences, "cairn_events": len(a), "baseline_events": len(b),
            "types": [shape[0] for shape in a]}


# ---------------------------------------------------------------------------------------------

def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def package_versions():
    from importlib.metadata import PackageNotFoundError, version
    versions = {}
    for name in ("fastapi", "uvicorn", "uvloop", "httptools", "websockets", "bcrypt", "PyJWT", "pydantic", "starlette"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cairn", default=os.path.join(ROOT, ".build-release", "release", "cairn"))
    parser.add_argument("--cairn-bench", default=os.path.join(ROOT, ".build-release", "release", "cairn-bench"))
    parser.add_argument("--quick", action="store_true", help="one round, shorter sequential and login scenarios")
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternate Cairn/baseline this many times; the table shows medians (3; 1 with --quick)")
    parser.add_argument("--only", default="", help="comma-separated: seq,u20,u100,u1000,logins,swift")
    parser.add_argument("--no-deflate", dest="deflate", action="store_false",
                        help="the load generator does not ask for permessage-deflate")
    parser.add_argument("--sides", default="cairn,baseline", help="which servers to run (for trying the script out)")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args()
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000+ sockets on each side
    sides = [side for side in ("cairn", "baseline") if side in args.sides.split(",")]
    if "cairn" in sides and not os.path.exists(args.cairn):
        sys.exit(f"no Cairn binary at {args.cairn} (make bench builds it; or pass --cairn PATH)")
    only = set(filter(None, args.only.split(",")))
    chosen = [scenario for scenario in scenarios(args.quick) if not only or scenario[0] in only]
    titles = {key: title for key, title, _, _ in scenarios(args.quick)}
    titles["cpu"] = "5. server CPU per run and memory, from /proc (Cairn: one process; baseline: uvicorn master + workers)"
    began = time.monotonic()

    log(f"make bench: Cairn ({os.path.relpath(os.path.abspath(args.cairn), ROOT)}) against the baseline "
        f"(FastAPI + uvicorn, 2 workers, uvloop, SQLite WAL, bench/baseline/), {os.cpu_count()} cores shared by "
        f"server and load generator")
    log(f"bcrypt cost {CHAT_COST} on both servers for the chat scenarios (1-5), {LOGIN_COST} on both for the login "
        f"scenario (6); Cairn's offline model with no delay between words; permessage-deflate "
        f"{'asked for' if args.deflate else 'off'}; a fresh server and data directory per scenario and side")
    if "debug" in os.path.abspath(args.cairn).split(os.sep):
        log("NOTE: this Cairn binary is a debug build: its figures say nothing about Cairn's speed")
    results = {}
    for round_number in range(args.rounds):
        for key, title, cost, loadgen_args in chosen:
            for kind in sides:
                tag = f"r{round_number}-{kind}-{key}"
                result = run_one(kind, args.cairn, cost, loadgen_args, args.deflate, tag)
                if "logins" in result and result.get("server_cpu_s") is not None and result["logins"]:
                    result["server_cpu_ms_per_login"] = round(result["server_cpu_s"] * 1000 / result["logins"], 2)
                results.setdefault(key, {}).setdefault(kind, []).append(result)
                if "failed" in result:
                    continue
                if result.get("scenario") == "chat":
                    log(f"  {title} [{kind}{f', round {round_number + 1}' if args.rounds > 1 else ''}]: "
                        f"{result['runs']}/{result['expected_runs']} runs, {result['errors']} errors, "
                        f"op p50 {result['op_ms']['p50']} ms p99 {result['op_ms']['p99']} ms, "
                        f"{result['runs_per_s']} runs/s, server CPU {result.get('server_cpu_ms_per_run')} ms/run, "
                        f"{result.get('events_per_run_mean')} events/run"
                        + (f"; errors: {result['error_kinds']}" if result["errors"] else ""))
                else:
                    log(f"  {title} [{kind}{f', round {round_number + 1}' if args.rounds > 1 else ''}]: {result['logins_per_s']} logins/s, login p50 {result['login_ms']['p50']} "
                        f"ms, /healthz p99 {result['healthz_ms']['p99']} ms, {result['errors']} errors")

    swift = {}
    if (not only or "swift" in only) and "cairn" in sides:
        log()
        log("7. Cairn only: cairn-bench ws-idle (10,000 idle sockets on the real binary) and ws (fan-out to 1,000 sockets)")
        if os.path.exists(args.cairn_bench):
            swift["ws_idle"] = run_cairn_bench(args.cairn_bench, args.cairn, "ws-idle", 10_000)
            swift["ws"] = run_cairn_bench(args.cairn_bench, args.cairn, "ws", 1_000)
            for part in ("ws_idle", "ws"):
                for line in swift[part].get("lines", []):
                    log("  " + line)
                if "failed" in swift[part]:
                    log(f"  {part}: FAILED: {swift[part]['failed']}")
            swift["figures"] = parse_cairn_bench(swift.get("ws_idle"), swift.get("ws"))
        else:
            swift["skipped"] = f"{args.cairn_bench} not found (make bench builds it)"
            log(f"  skipped: {swift['skipped']}")

    table = build_table(results, titles)
    events = compare_events(results)
    log()
    log("=" * 100)
    log(f"Cairn / baseline, {args.rounds} round(s){' (medians)' if args.rounds > 1 else ''}; "
        f"'better' names the side with the better figure")
    print_table([row for row in table if row["cairn"] is not None or row["baseline"] is not None], titles)
    log()
    if events.get("same") is True:
        log(f"events per run: both servers send the same {events['cairn_events']} events (types, agent field, payload "
            f"keys): {', '.join(events['types'])}")
    elif events.get("same") is False:
        log("events per run DIFFER: " + "; ".join(events["differences"]))
    for key in ("u20", "u100", "u1000"):
        for result in results.get(key, {}).get("cairn", [])[:1]:
            mean, first = result.get("events_per_run_mean"), result.get("events_per_run")
            if mean and first and mean > first:
                log(f"{titles[key]}: Cairn sent {mean} events per run on average: runs that wait for a slot "
                    f"(runs.max_concurrent 64, runs.max_per_user 2) get a queued_behind_n notice; the baseline has no "
                    f"scheduler and runs everything at once")
    for key in ("seq",):
        for kind in ("cairn", "baseline"):
            for result in results.get(key, {}).get(kind, [])[:1]:
                if result.get("resume") is not None:
                    log(f"resume of a finished run on a new socket, {kind}: {result['resume']}")
    print_swift(swift)
    failures = [(key, kind) for key, sides in results.items() for kind, runs in sides.items()
                for result in runs if "failed" in result]
    if failures:
        log("FAILED: " + ", ".join(f"{key}/{kind}" for key, kind in failures))
    log(f"total {time.monotonic() - began:.0f} s")

    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "cairn_binary": os.path.abspath(args.cairn),
        "cairn_binary_bytes": os.path.getsize(args.cairn) if os.path.exists(args.cairn) else None,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "baseline_packages": package_versions(),
        "settings": {"cairn": CAIRN_SETTINGS, "bcrypt_cost_chats": CHAT_COST, "bcrypt_cost_logins": LOGIN_COST,
                     "deflate": args.deflate, "quick": args.quick, "rounds": args.rounds},
        "table": table, "events": events, "scenarios": results, "cairn_bench": swift,
        "seconds": round(time.monotonic() - began, 1),
    }
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as handle:
        json.dump(report, handle, indent=1)
    log(f"wrote {os.path.relpath(os.path.abspath(args.output), ROOT) if os.path.abspath(args.output).startswith(ROOT) else args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
