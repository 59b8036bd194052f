#!/usr/bin/env python3
"""Property-based API test of a running Cairn server with Schemathesis.

Usage (with a Python that has schemathesis >= 4 installed):

    python3 schemathesis_run.py BASE_URL SPEC_PATH [options] [extra `schemathesis run` options]

What it does:

1. Waits for BASE_URL/healthz, then registers a fresh user (random email) through
   `POST /api/auth/register`. New accounts always get the `user` role, so the admin routes
   then only answer 403. To exercise them too, create an administrator before `cairn serve`
   (`cairn admin create --email E --password-stdin`) and pass its credentials in the
   environment: CAIRN_ST_ADMIN_EMAIL and CAIRN_ST_ADMIN_PASSWORD. The admin token is used for
   `/api/admin/*` and `/metrics`, the user token for everything else.
2. Runs `schemathesis run SPEC_PATH --url BASE_URL` in a subprocess with a bounded number of
   examples per operation. This file doubles as the Schemathesis hooks module
   (SCHEMATHESIS_HOOKS): it supplies the bearer tokens, gives `logout` / `logout-all` a
   throw-away account of their own (they would otherwise revoke the shared token), replaces a
   shared token that got revoked anyway, and records every 5xx response.
3. Checks the server is still up, then sends a few hand-made requests Schemathesis cannot
   derive from the spec (extreme opaque cursors, hostile JSON; EDGE_PROBES, `--no-probes` to
   skip): each must be answered below 500 and leave the server up.
4. Prints a report of every failure (each 5xx with its exact request and response first) and
   a one-line JSON summary as the last line of stdout, and exits non-zero when a check failed,
   a 5xx was seen, a probe failed, the server went down, Schemathesis errored, or the run
   exceeded its time limit.

Registration must be open (the default `auth.registration`). Start the server with a high
`ratelimit.register_per_ip_per_minute` (e.g. 100000): the run registers accounts, and fuzzing
`POST /api/auth/register` counts against the same per-IP limit. Other limits (threads, login,
password changes, tickets) only turn some cases into documented 429s; raising them too
(`--set ratelimit.threads_per_user_per_minute=100000`, ...) lets more cases reach the handlers.

Environment: CAIRN_ST_ADMIN_EMAIL / CAIRN_ST_ADMIN_PASSWORD (optional admin), CAIRN_ST_MAX_EXAMPLES
(default for --max-examples). Reports (JUnit, JSON, hook records) are kept when something failed.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

DEFAULT_CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
])
# Checks left out on purpose: `unsupported_method` / `allow_header_conformance` expect 405, and
# Cairn documents 404 for a wrong method; `positive_data_acceptance` / `negative_data_rejection`
# judge the generator's idea of valid data (byte vs character limits, cross-field rules), not
# the server. Pass `--checks all` to see them anyway.

ENV_PREFIX = "CAIRN_ST_"
HOOKS_MODULE_NAME = "_schemathesis_hooks"  # the name schemathesis gives a hooks file it loads


# --------------------------------------------------------------------------------------------
# Small HTTP helpers (standard library only, shared by the runner and the hooks)
# --------------------------------------------------------------------------------------------

def http_json(method: str, url: str, body: dict | None = None, token: str | None = None, timeout: float = 30.0):
    """Returns (status, parsed JSON or raw text)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def register_user(base_url: str, label: str = "st"):
    """Registers a random account; returns (access token, user object) or raises RuntimeError."""
    email = f"{label}-{secrets.token_hex(6)}@example.com"
    password = "pw-" + secrets.token_urlsafe(18)
    status, body = http_json("POST", f"{base_url}/api/auth/register", {"email": email, "password": password, "name": label})
    if status == 201 and isinstance(body, dict) and body.get("access_token"):
        return body["access_token"], body["user"]
    if status == 202:
        raise RuntimeError("registration needs approval (auth.registration=approval); run with auth.registration=open")
    if status == 403:
        raise RuntimeError("registration is closed (auth.registration=closed); run with auth.registration=open")
    if status == 429:
        raise RuntimeError("register rate limit hit: start the server with --set ratelimit.register_per_ip_per_minute=100000")
    raise RuntimeError(f"POST /api/auth/register answered {status}: {body}")


class RateLimited(RuntimeError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def login(base_url: str, email: str, password: str):
    status, body = http_json("POST", f"{base_url}/api/auth/login", {"email": email, "password": password})
    if status == 200 and isinstance(body, dict) and body.get("access_token"):
        return body["access_token"], body["user"]
    if status == 429:
        raise RateLimited(f"POST /api/auth/login as {email} answered 429: {body}", 60)
    raise RuntimeError(f"POST /api/auth/login as {email} answered {status}: {body}")


# --------------------------------------------------------------------------------------------
# Hooks: active only when schemathesis loads this file through SCHEMATHESIS_HOOKS
# --------------------------------------------------------------------------------------------

def _install_hooks() -> None:
    import schemathesis

    base_url = os.environ[ENV_PREFIX + "BASE_URL"].rstrip("/")
    record_path = os.environ[ENV_PREFIX + "RECORD"]
    admin_email = os.environ.get(ENV_PREFIX + "ADMIN_EMAIL") or None
    admin_password = os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD") or None
    with open(os.environ[ENV_PREFIX + "SPEC"], encoding="utf-8") as handle:
        spec = json.load(handle)
    default_security = spec.get("security", [])
    public = {
        (method.upper(), path)
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("security", default_security) == []
    }
    # These end the session of the token they are called with.
    session_enders = {("POST", "/api/auth/logout"), ("POST", "/api/auth/logout-all")}

    lock = threading.Lock()
    state = {
        "user": os.environ.get(ENV_PREFIX + "USER_TOKEN"),
        "admin": os.environ.get(ENV_PREFIX + "ADMIN_TOKEN") or None,
        "throwaway": None,
    }
    has_admin = bool(state["admin"])
    # A token replaced once is not replaced again (two cases may see the same revocation).
    retired: set[str] = set()

    def record(kind: str, **fields) -> None:
        line = json.dumps({"kind": kind, "at": time.time(), **fields}, ensure_ascii=False)
        with lock:
            with open(record_path, "a", encoding="utf-8") as out:
                out.write(line + "\n")

    def role_for(case) -> str | None:
        key = (str(case.method).upper(), case.operation.path)
        if key in public:
            return None
        if key in session_enders:
            return "throwaway"
        if case.operation.path.startswith("/api/admin/") or case.operation.path == "/metrics":
            return "admin" if has_admin else "user"
        return "user"

    def fresh(role: str) -> str | None:
        try:
            if role == "admin":
                try:
                    token, _ = login(base_url, admin_email, admin_password)
                except RateLimited as limited:
                    # Fuzzing /api/auth/login spends the same per-IP budget; wait once.
                    time.sleep(min(limited.retry_after, 61))
                    token, _ = login(base_url, admin_email, admin_password)
            else:
                token, _ = register_user(base_url, "st-" + role)
        except Exception as exc:  # noqa: BLE001 - reported, and the case goes out without a token
            record("token_error", role=role, error=str(exc))
            return None
        record("token_new", role=role)
        return token

    class CairnBearer:
        def get(self, case, context):
            role = role_for(case)
            if role is None:
                return None
            with lock:
                token = state[role]
            if token is None:
                token = fresh(role)
                with lock:
                    state[role] = state[role] or token
                    token = state[role]
            return token

        def set(self, case, data, context):
            case.headers = case.headers or {}
            case.headers["Authorization"] = f"Bearer {data}"

    # refresh_interval=None: `get` runs for every case, so the role is chosen per operation.
    schemathesis.auth(refresh_interval=None)(CairnBearer)

    def still_valid(token: str) -> bool:
        try:
            status, _ = http_json("GET", f"{base_url}/api/auth/me", token=token, timeout=10)
        except OSError:
            return True
        return status != 401

    @schemathesis.hook
    def before_call(context, case, **kwargs):
        # A stored provider is used by every later run and by `.../test`: keep the (valid) values
        # that only make calls slow small, so one generated provider cannot stall the whole run
        # (`timeout_ms` up to 10 min, `max_retries` up to 10, `chunk_delay_ms` up to 60 s).
        # Out-of-range values are left alone: they must still be refused.
        if str(case.method).upper() != "PUT" or case.operation.path != "/api/admin/providers/{name}":
            return
        body = case.body if isinstance(case.body, dict) else None
        if body is None:
            return
        for key, low, high, cap in (("timeout_ms", 100, 600000, 3000), ("max_retries", 0, 10, 1)):
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                body[key] = min(value, cap)
        options = body.get("options")
        if isinstance(options, dict):
            delay = options.get("chunk_delay_ms")
            if isinstance(delay, int) and not isinstance(delay, bool) and 0 <= delay <= 60000:
                options["chunk_delay_ms"] = min(delay, 20)

    # Successful calls that may have ended one of our own sessions: check the tokens at once.
    session_changers = {("DELETE", "/api/auth/sessions/{id}"), ("POST", "/api/admin/users/{id}/revoke-sessions"),
                        ("PATCH", "/api/admin/users/{id}"), ("POST", "/api/auth/password")}

    @schemathesis.hook
    def after_call(context, case, response):
        request = response.request
        sent = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        method, path = str(case.method).upper(), case.operation.path
        if response.status_code >= 500:
            body = request.body
            if isinstance(body, bytes):
                body = body.decode("utf-8", "replace")
            record("server_error", operation=f"{method} {path}", method=request.method, url=request.url,
                   request_headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
                   authorized=bool(sent), request_body=body, status=response.status_code,
                   response_headers={k: v for k, v in response.headers.items()},
                   response_body=response.content[:4000].decode("utf-8", "replace"))
        if not sent:
            return
        with lock:
            role = next((name for name, token in state.items() if token == sent), None)
            if role is None or sent in retired:
                return
            ended = (method, path) in session_enders and 200 <= response.status_code < 300
            revoked = response.status_code == 401 and role != "throwaway"
            if ended or revoked or (role == "throwaway" and response.status_code == 401):
                retired.add(sent)
                state[role] = None
        if revoked:
            # Something other than logout ended the shared session; the next case gets a new one.
            record("token_revoked", role=role, operation=f"{method} {path}", url=request.url)
        if (method, path) in session_changers and 200 <= response.status_code < 300:
            for name in ("user", "admin"):
                with lock:
                    token = state[name]
                if token and not still_valid(token):
                    with lock:
                        if state[name] == token:
                            retired.add(token)
                            state[name] = None
                    record("token_revoked", role=name, operation=f"{method} {path}", url=request.url, detected="after success")


if __name__ == HOOKS_MODULE_NAME and os.environ.get(ENV_PREFIX + "BASE_URL"):
    _install_hooks()


# --------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------

def b64url(text: str) -> str:
    import base64
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Requests Schemathesis cannot make from the spec (opaque cursors, hostile JSON); each must get
# an answer below 500 and leave the server up. (label, method, path, raw body, token role)
EDGE_PROBES = [
    ("thread cursor at Int64.max millis", "GET", "/api/threads?cursor=" + b64url("9223372036854775807|thr_00000000000000000000000000"), None, "user"),
    ("thread cursor at Int64.min millis", "GET", "/api/threads?cursor=" + b64url("-9223372036854775808|thr_00000000000000000000000000"), None, "user"),
    ("user cursor of the largest id", "GET", "/api/admin/users?cursor=" + b64url("usr_7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), None, "admin"),
    ("JSON nested 5000 deep", "POST", "/api/threads", b'{"title":' + b"[" * 5000 + b"]" * 5000 + b"}", "user"),
    ("number beyond Double", "PUT", "/api/admin/agents/st-probe", b'{"description":"d","kind":"chat","max_steps":1e400}', "admin"),
    ("integer beyond Int64", "PUT", "/api/admin/providers/st-probe", b'{"type":"offline","timeout_ms":99999999999999999999999}', "admin"),
    ("lone surrogate", "POST", "/api/threads", b'{"title":"\\ud800"}', "user"),
]


def run_probes(base_url: str, tokens: dict) -> list[dict]:
    """Runs EDGE_PROBES; returns the failed ones (5xx, no answer, or the server down afterwards)."""
    failed = []
    for label, method, path, raw, role in EDGE_PROBES:
        token = tokens.get(role) or tokens.get("user")
        request = urllib.request.Request(base_url + path, data=raw, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if raw is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read(2000)
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read(2000)
        except OSError as exc:
            status, body = None, repr(exc).encode()
        if status is None or status >= 500:
            alive = True
            try:
                wait_healthy(base_url, 5)
            except RuntimeError:
                alive = False
            failed.append({"probe": label, "method": method, "url": base_url + path,
                           "request_body": raw.decode("utf-8", "replace")[:300] if raw else None,
                           "status": status, "response_body": body.decode("utf-8", "replace")[:1000], "server_alive_after": alive})
            if not alive:
                break
    return failed


def wait_healthy(base_url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            status, _ = http_json("GET", f"{base_url}/healthz", timeout=5)
            if status == 200:
                return
            last = f"status {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"{base_url}/healthz did not answer 200 within {seconds:.0f}s ({last})")


def schemathesis_version() -> str:
    try:
        from importlib.metadata import version
        return version("schemathesis")
    except Exception:  # noqa: BLE001
        return "unknown"


def junit_failures(path: str) -> list[dict]:
    """Failed test cases from the JUnit report: operation and schemathesis' own explanation."""
    if not os.path.exists(path):
        return []
    found = []
    for testcase in ET.parse(path).getroot().iter("testcase"):
        for tag in ("failure", "error"):
            for element in testcase.findall(tag):
                text = (element.text or element.get("message") or "").strip()
                found.append({"operation": testcase.get("name"), "kind": tag, "text": text})
    return found


def read_records(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8080")
    parser.add_argument("spec_path", help="path of openapi.json (or its URL)")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get(ENV_PREFIX + "MAX_EXAMPLES", "10")),
                        help="test cases per operation and phase (default 10)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--checks", default=DEFAULT_CHECKS)
    parser.add_argument("--mode", default="all", choices=["positive", "negative", "all"])
    # More than one worker trips a CPython 3.11 thread-safety bug inside hypothesis
    # ("SystemError: AST constructor recursion depth mismatch"); one is also gentler on 2 cores.
    parser.add_argument("--workers", default="1")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    parser.add_argument("--time-limit", type=float, default=160.0,
                        help="kill schemathesis after this many seconds and fail (default 160)")
    parser.add_argument("--request-timeout", type=float, default=20.0)
    parser.add_argument("--report-dir", default=None, help="keep the reports here (default: a temporary directory)")
    parser.add_argument("--no-probes", action="store_true", help="skip the hand-made edge-case requests run after schemathesis")
    # Anything else (e.g. `--exclude-path /api/openapi.json`) goes to `schemathesis run` as is.
    args, passthrough = parser.parse_known_args()

    base_url = args.base_url.rstrip("/")
    spec_path = os.path.abspath(args.spec_path) if os.path.exists(args.spec_path) else args.spec_path
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    version = schemathesis_version()
    started = time.monotonic()
    summary = {"ok": False, "schemathesis": version, "seed": seed, "operations_total": 0, "operations_tested": 0,
               "cases_generated": 0, "failures": 0, "server_errors": 0, "duration_s": 0.0}

    def finish(code: int, error: str | None = None) -> int:
        summary["duration_s"] = round(time.monotonic() - started, 1)
        if error:
            summary["error"] = error
            print(f"\nERROR: {error}", file=sys.stderr)
        summary["ok"] = code == 0
        print(json.dumps(summary, separators=(",", ":")), flush=True)
        return code

    try:
        wait_healthy(base_url, 30)
        user_token, user = register_user(base_url, "st-main")
    except RuntimeError as exc:
        return finish(2, str(exc))
    admin_email = os.environ.get(ENV_PREFIX + "ADMIN_EMAIL")
    admin_password = os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD")
    admin_token = None
    if admin_email and admin_password:
        try:
            admin_token, admin = login(base_url, admin_email, admin_password)
        except RuntimeError as exc:
            return finish(2, str(exc))
        if admin.get("role") != "admin":
            return finish(2, f"{admin_email} is not an administrator (role {admin.get('role')!r})")
    print(f"schemathesis {version}; user {user['id']} registered; "
          + ("admin routes run as " + admin_email if admin_token else
             "no admin credentials (CAIRN_ST_ADMIN_EMAIL/PASSWORD): admin routes are only checked for 403"),
          flush=True)

    report_dir = args.report_dir or tempfile.mkdtemp(prefix="cairn-schemathesis-")
    os.makedirs(report_dir, exist_ok=True)
    record_path = os.path.join(report_dir, "hook-records.jsonl")
    if os.path.exists(record_path):
        os.remove(record_path)
    junit_path = os.path.join(report_dir, "junit.xml")
    json_path = os.path.join(report_dir, "report.json")
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", spec_path,
        "--url", base_url,
        "--checks", args.checks,
        "--phases", args.phases,
        "--mode", args.mode,
        "--max-examples", str(args.max_examples),
        "--seed", str(seed),
        "--workers", args.workers,
        "--request-timeout", str(args.request_timeout),
        "--generation-database", "none",
        "--continue-on-failure",
        "--suppress-health-check", "all",
        "--report", "junit,json",
        "--report-dir", report_dir,
        "--report-junit-path", junit_path,
        "--report-json-path", json_path,
        "--no-color",
        *passthrough,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")}
    env.update({
        "SCHEMATHESIS_HOOKS": os.path.abspath(__file__),
        ENV_PREFIX + "BASE_URL": base_url,
        ENV_PREFIX + "SPEC": spec_path,
        ENV_PREFIX + "RECORD": record_path,
        ENV_PREFIX + "USER_TOKEN": user_token,
        ENV_PREFIX + "ADMIN_TOKEN": admin_token or "",
    })
    print("+ " + " ".join(command[1:]), flush=True)
    timed_out = False
    # Run inside the report directory so nothing (e.g. .hypothesis) lands in the caller's tree.
    process = subprocess.Popen(command, env=env, cwd=report_dir)
    try:
        exit_code = process.wait(timeout=args.time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        exit_code = -1

    # Did the server survive the run?
    try:
        wait_healthy(base_url, 5)
        alive = True
    except RuntimeError:
        alive = False
    probe_failures = []
    if alive and not args.no_probes:
        try:
            probe_token = register_user(base_url, "st-probe")[0]
        except RuntimeError:
            probe_token = user_token
        probe_failures = run_probes(base_url, {"user": probe_token, "admin": admin_token})
        alive = not any(not item["server_alive_after"] for item in probe_failures)

    report = {}
    if os.path.exists(json_path):
        with open(json_path, encoding="utf-8") as handle:
            report = json.load(handle)
    operations = report.get("operations") or {}
    cases = report.get("test_cases") or {}
    records = read_records(record_path)
    server_errors = [r for r in records if r["kind"] == "server_error"]
    failures = junit_failures(junit_path)
    summary.update({
        "operations_total": operations.get("total", 0),
        "operations_tested": operations.get("tested", 0),
        "cases_generated": cases.get("generated", 0),
        "failures": sum(group.get("count", 0) for group in report.get("failures", [])),
        "unique_failures": cases.get("unique_failures", 0),
        "failing_checks": sorted({group["title"] for group in report.get("failures", [])}),
        "server_errors": len(server_errors),
        "errors": sum(group.get("count", 0) for group in report.get("errors", [])),
        "schemathesis_exit": exit_code,
        "tokens_revoked_midrun": sum(1 for r in records if r["kind"] == "token_revoked"),
        "probes": 0 if args.no_probes else len(EDGE_PROBES),
        "probe_failures": len(probe_failures),
        "server_alive": alive,
        "report_dir": report_dir,
    })

    print("\n======== Cairn schemathesis report ========")
    if server_errors:
        print(f"\n{len(server_errors)} server error response(s) (5xx):")
        for index, item in enumerate(server_errors, 1):
            print(f"\n[{index}] {item['operation']}: {item['method']} {item['url']}")
            if item.get("request_body") is not None:
                print(f"    request body: {item['request_body']}")
            print(f"    authorized: {item['authorized']}")
            print(f"    -> {item['status']} {item['response_body']}")
    for item in (r for r in records if r["kind"] in ("token_error", "token_revoked")):
        print(f"note: {item['kind']}: {json.dumps({k: v for k, v in item.items() if k not in ('kind', 'at')})}")
    if probe_failures:
        print(f"\n{len(probe_failures)} edge-case probe(s) failed:")
        for index, item in enumerate(probe_failures, 1):
            print(f"\n[P{index}] {item['probe']}: {item['method']} {item['url']}")
            if item.get("request_body"):
                print(f"    request body: {item['request_body']}")
            print(f"    -> {item['status'] or 'no answer'} {item['response_body']}")
            if not item["server_alive_after"]:
                print("    THE SERVER IS DOWN after this request (see its log for the crash)")
    if not alive and not probe_failures:
        print("\nTHE SERVER IS DOWN after the schemathesis run (see its log for the crash)")
    if failures:
        print(f"\n{len(failures)} failing operation report(s) from schemathesis:")
        for item in failures:
            print(f"\n--- {item['operation']} ({item['kind']})\n{item['text']}")
    if not server_errors and not failures and not probe_failures and alive:
        print("no failures")
    print(f"\nreports: {report_dir}")

    if timed_out:
        return finish(3, f"schemathesis did not finish within {args.time_limit:.0f}s")
    if not report:
        return finish(2, f"schemathesis exited {exit_code} without a report (see its output above)")
    failed = exit_code != 0 or server_errors or failures or summary["errors"] or probe_failures or not alive
    if not args.report_dir and not failed:
        shutil.rmtree(report_dir, ignore_errors=True)
        summary["report_dir"] = None
    return finish(1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
