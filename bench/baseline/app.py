"""The baseline's application (imported by each uvicorn worker): see server.py for what it is.

Settings come from the environment (BASELINE_DATA_DIR, BASELINE_BCRYPT_COST), set by server.py,
so the spawned worker processes see them.
"""
import asyncio
import base64
import contextlib
import hashlib
import json
import math
import os
import re
import sqlite3
import sys
import time
import uuid

from schema import open_database


DATA_DIR = os.environ.get("BASELINE_DATA_DIR", "./baseline-data")
BCRYPT_COST = int(os.environ.get("BASELINE_BCRYPT_COST", "12"))
ACCESS_TTL = 900
REFRESH_TTL = 1_209_600
ISSUER = AUDIENCE = "cairn"
MAX_MESSAGE_BYTES = 32_768
SYSTEM_PROMPT = "You are Cairn's assistant. Use tools when they help."
MAX_STEPS = 6
AGENT = "assistant"
PREFIX = "[cairn-offline]"


class transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, traceback):
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
        return False


# -------------------------------------------------------------------------------------------
# Identifiers and times as Cairn writes them.

_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ")


def new_id(prefix):
    """`prefix_` + a UUIDv7 in 26 Crockford base32 characters (sorts by time), as Cairn writes them."""
    value = ((time.time_ns() // 1_000_000) << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)                      # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)                      # variant
    # 4 zero bytes make 160 bits = 32 base32 characters; the last 26 hold the 128 bits.
    encoded = base64.b32encode(bytes(4) + value.to_bytes(16, "big"))[-26:]
    return prefix + "_" + encoded.translate(_CROCKFORD).decode()


def now_ms():
    return time.time_ns() // 1_000_000


_second = [None, ""]


def iso(millis):
    """RFC 3339 UTC with milliseconds (the formatted second is reused while it lasts)."""
    seconds, ms = divmod(millis, 1000)
    if _second[0] != seconds:
        _second[0], _second[1] = seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return "%s.%03dZ" % (_second[1], ms)


def dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


# -------------------------------------------------------------------------------------------
# The offline model and the calculator (ports of Cairn's).

_OPERATORS = set("+-*/%^×÷")
_LEADING = set("-+(")


def _is_member(ch):
    return ("0" <= ch <= "9") or ch.isspace() or ch in ".()" or ch in _OPERATORS


def arithmetic_span(text):
    """The first arithmetic expression in free text, in one linear pass (ArithmeticSpan.swift)."""
    index, count = 0, len(text)
    while index < count:
        if not _is_member(text[index]):
            index += 1
            continue
        end = index
        while end < count and _is_member(text[end]):
            end += 1
        run = text[index:end]
        digits = [i for i, ch in enumerate(run) if "0" <= ch <= "9"]
        if digits:
            first = digits[0]
            start = first
            while start > 0 and run[start - 1] in _LEADING:
                start -= 1
            op = next((i for i in range(first + 1, len(run)) if run[i] in _OPERATORS), None)
            if op is not None:
                last = next((i for i in range(len(run) - 1, op, -1) if "0" <= run[i] <= "9"), None)
                if last is not None:
                    stop = last + 1
                    while stop < len(run) and run[stop] == ")":
                        stop += 1
                    return run[start:stop].strip()
        index = end
    return None


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(sqrt|abs|pi|e)|(.))")


class CalculatorError(Exception):
    pass


def calculate(expression):
    """A recursive-descent parser: numbers, + - * / % ^ (× ÷), parentheses, unary signs,
    pi, e, sqrt(x), abs(x). Never evaluates anything as code."""
    tokens = []
    for number, name, other in _TOKEN.findall(expression.strip()):
        if number:
            tokens.append(("num", float(number)))
        elif name:
            tokens.append(("name", name))
        elif other.strip():
            tokens.append(("op", {"×": "*", "÷": "/"}.get(other, other)))
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else (None, None)

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def expect(op):
        if peek() != ("op", op):
            raise CalculatorError(f"expected '{op}'")
        take()

    def expr():
        value = term()
        while peek() in (("op", "+"), ("op", "-")):
            value = value + term() if take()[1] == "+" else value - term()
        return value

    def term():
        value = unary()
        while peek() in (("op", "*"), ("op", "/"), ("op", "%")):
            op = take()[1]
            right = unary()
            if op == "*":
                value *= right
            elif right == 0:
                raise CalculatorError("division by zero")
            else:
                value = value / right if op == "/" else math.fmod(value, right)
        return value

    def unary():
        if peek() in (("op", "-"), ("op", "+")):
            return -unary() if take()[1] == "-" else unary()
        return power()

    def power():
        base = atom()
        if peek() == ("op", "^"):
            take()
            return base ** unary()
        return base

    def atom():
        kind, value = peek()
        if kind == "num":
            take()
            return value
        if kind == "name":
            take()
            if value in ("pi", "e"):
                return math.pi if value == "pi" else math.e
            expect("(")
            inner = expr()
            expect(")")
            if value == "sqrt":
                if inner < 0:
                    raise CalculatorError("square root of a negative number")
                return math.sqrt(inner)
            return abs(inner)
        if (kind, value) == ("op", "("):
            take()
            inner = expr()
            expect(")")
            return inner
        raise CalculatorError("unexpected end of expression" if kind is None else f"unexpected '{value}'")

    result = expr()
    if position != len(tokens):
        raise CalculatorError(f"unexpected '{tokens[position][1]}'")
    if not math.isfinite(result):
        raise CalculatorError("the result is not finite")
    return result


def json_number(value):
    return int(value) if value == int(value) and abs(value) < 2**53 else value


def count_words(text):
    return len(text.split())


def offline_intent(text, message_count):
    """Tool choice of the offline model for this benchmark: the calculator (other intents of
    Cairn's model — remember, recall, search, time — are not needed and answer in text)."""
    expression = arithmetic_span(text[:4096])
    if expression is not None:
        return {"id": f"call_{message_count}_calculator", "name": "calculator",
                "arguments": dumps({"expression": expression})}
    return None


def summarize_calculator(result):
    if "error" in result:
        return f"{PREFIX} The calculator tool failed: {result['error']}."
    value = result["value"]
    shown = str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    return f"{PREFIX} {result['expression']} = {shown}."


def no_tool_reply(content):
    preview = content[:120]
    return (f"{PREFIX} This reply comes from Cairn's built-in offline model, not a language model: "
            f"no provider is configured. You wrote {count_words(content)} words: \"{preview}\".")


# -------------------------------------------------------------------------------------------
# The application (runs in each worker process).

import bcrypt  # noqa: E402
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from pydantic import BaseModel  # noqa: E402


class Credentials(BaseModel):
    email: str
    password: str
    name: str | None = None


class State:
    db = None
    private_key = None
    public_key = None
    kid = None
    decoy_hash = None
    sockets = {}     # user_id -> set of Connection (this worker only)
    live = set()     # ids of the runs executing in this worker


state = State()


def error(status, code, message, details=None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


@contextlib.asynccontextmanager
async def lifespan(_app):
    state.db = open_database(os.path.join(DATA_DIR, "baseline.db"))
    with open(os.path.join(DATA_DIR, "signing_key"), "rb") as handle:
        seed = handle.read()
    state.private_key = Ed25519PrivateKey.from_private_bytes(seed)
    state.public_key = state.private_key.public_key()
    state.kid = "k" + hashlib.sha256(state.public_key.public_bytes_raw()).hexdigest()[:12]
    # Unknown emails are checked against a hash of the same cost, so they take as long as wrong passwords.
    decoy = bcrypt.hashpw(b"decoy password never used", bcrypt.gensalt(4)).decode()
    state.decoy_hash = decoy[:4] + f"{BCRYPT_COST:02d}" + decoy[6:]
    yield
    state.db.close()


app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)


@app.exception_handler(RequestValidationError)
async def validation_failed(request, exc):
    details = {}
    for item in exc.errors():
        field = str(item["loc"][-1]) if item.get("loc") else "body"
        details[field] = "is required" if item.get("type") == "missing" else "has the wrong type"
    if any(item.get("type") in ("json_invalid", "model_attributes_type") for item in exc.errors()):
        return error(400, "invalid_request", "the body must be a JSON object")
    return error(422, "validation_failed", "validation failed", details)


@app.get("/healthz")
async def healthz():
    return JSONResponse({"status": "ok"})


def user_object(row):
    user_id, email, name, role, status, created_at, last_login_at = row
    user = {"auth_provider": "password", "created_at": iso(created_at), "email": email, "id": user_id,
            "name": name, "role": role, "status": status}
    if last_login_at is not None:
        user["last_login_at"] = iso(last_login_at)
    return user


def issue_tokens(user_id, role, session_id, refresh_jti, issued_ms):
    issued = issued_ms // 1000
    common = {"iss": ISSUER, "aud": [AUDIENCE], "sub": user_id, "sid": session_id, "iat": issued,
              "nbf": issued, "role": role}
    headers = {"kid": state.kid}
    access = jwt.encode({**common, "jti": new_id("jti"), "exp": issued + ACCESS_TTL, "typ": "access"},
                        state.private_key, algorithm="EdDSA", headers=headers)
    refresh = jwt.encode({**common, "jti": refresh_jti, "exp": issued + REFRESH_TTL, "typ": "refresh"},
                         state.private_key, algorithm="EdDSA", headers=headers)
    return access, refresh


def auth_body(user_row, session_id, refresh_jti, issued_ms):
    access, refresh = issue_tokens(user_row[0], user_row[3], session_id, refresh_jti, issued_ms)
    return {"access_token": access, "expires_in": ACCESS_TTL, "refresh_token": refresh, "token_type": "Bearer",
            "user": user_object(user_row)}


def client_ip(request):
    return request.client.host if request.client else None


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@app.post("/api/auth/register")
async def register(body: Credentials, request: Request):
    email = body.email.strip().lower()
    details = {}
    if len(email) > 254 or not _EMAIL.match(email):
        details["email"] = "must be a valid email address"
    password = body.password.encode()
    if len(body.password) < 10 or len(password) > 72 or "\x00" in body.password:
        details["password"] = "must be 10 characters to 72 bytes"
    elif body.password.lower() == email:
        details["password"] = "must not equal the email address"
    name = (body.name or "").strip()
    if len(name) > 200:
        details["name"] = "must be at most 200 characters"
    if details:
        return error(422, "validation_failed", "validation failed", details)
    loop = asyncio.get_running_loop()
    hashed = (await loop.run_in_executor(None, bcrypt.hashpw, password, bcrypt.gensalt(BCRYPT_COST))).decode()
    now = now_ms()
    user_id, session_id, refresh_jti = new_id("usr"), new_id("ses"), new_id("jti")
    try:
        with transaction(state.db) as db:
            db.execute("INSERT INTO users (id, email, email_normalized, name, password_hash, role, status, created_at, "
                       "updated_at, last_login_at) VALUES (?, ?, ?, ?, ?, 'user', 'active', ?, ?, ?)",
                       (user_id, email, email, name, hashed, now, now, now))
            db.execute("INSERT INTO sessions (id, user_id, refresh_jti, created_at, last_used_at, expires_at, ip, user_agent) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (session_id, user_id, refresh_jti, now, now, now + REFRESH_TTL * 1000, client_ip(request),
                        request.headers.get("user-agent", "")[:512]))
            db.execute("INSERT INTO audit_log (id, at, actor, action, target, ip) VALUES (?, ?, ?, 'auth.register', ?, ?)",
                       (new_id("aud"), now, user_id, user_id, client_ip(request)))
    except sqlite3.IntegrityError:
        return error(409, "conflict", "an account with this email already exists")
    row = (user_id, email, name, "user", "active", now, now)
    return JSONResponse(auth_body(row, session_id, refresh_jti, now), status_code=201)


@app.post("/api/auth/login")
async def login(body: Credentials, request: Request):
    email = body.email.strip().lower()
    if len(email) > 320 or len(body.password.encode()) > 1024:
        return error(422, "validation_failed", "validation failed", {"email": "is too long"})
    row = state.db.execute("SELECT id, email, name, role, status, created_at, last_login_at, password_hash "
                           "FROM users WHERE email_normalized = ?", (email,)).fetchone()
    loop = asyncio.get_running_loop()
    hashed = (row[7] if row else state.decoy_hash).encode()
    ok = await loop.run_in_executor(None, bcrypt.checkpw, body.password.encode(), hashed)
    if not row or not ok or row[4] != "active":
        if row:
            state.db.execute("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", (row[0],))
        return error(401, "invalid_credentials", "invalid email or password")
    now = now_ms()
    session_id, refresh_jti = new_id("ses"), new_id("jti")
    with transaction(state.db) as db:
        db.execute("INSERT INTO sessions (id, user_id, refresh_jti, created_at, last_used_at, expires_at, ip, user_agent) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (session_id, row[0], refresh_jti, now, now, now + REFRESH_TTL * 1000, client_ip(request),
                    request.headers.get("user-agent", "")[:512]))
        db.execute("UPDATE users SET last_login_at = ?, failed_logins = 0 WHERE id = ?", (now, row[0]))
        db.execute("INSERT INTO audit_log (id, at, actor, action, target, ip) VALUES (?, ?, ?, 'auth.login', ?, ?)",
                   (new_id("aud"), now, row[0], row[0], client_ip(request)))
    return JSONResponse(auth_body(row[:6] + (now,), session_id, refresh_jti, now), status_code=200)


def authenticate(header):
    """The user id of a valid access token whose user is active and whose session is live."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        return None
    try:
        claims = jwt.decode(token.strip(), state.public_key, algorithms=["EdDSA"], audience=AUDIENCE,
                            issuer=ISSUER, leeway=30)
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    row = state.db.execute(
        "SELECT u.status, s.revoked_at, s.expires_at, (SELECT 1 FROM revoked_tokens WHERE jti = ?) "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND u.id = ?",
        (claims.get("jti"), claims.get("sid"), claims.get("sub"))).fetchone()
    if not row or row[0] != "active" or row[1] is not None or row[2] <= now_ms() or row[3]:
        return None
    return claims["sub"]


# -------------------------------------------------------------------------------------------
# Runs and sockets.

TERMINAL_TYPE = "run_completed"


class Connection:
    def __init__(self, ws, user_id):
        self.ws = ws
        self.user_id = user_id
        self.sent = {}            # run_id -> highest seq sent on this socket
        self.replaying = set()    # runs whose live events wait until a `resume` has caught up
        self.lock = asyncio.Lock()
        self.closed = False

    async def send_frame(self, text):
        if self.closed:
            return
        async with self.lock:
            try:
                await self.ws.send_text(text)
            except Exception:
                self.closed = True

    async def send_event(self, run_id, seq, text):
        if run_id in self.replaying or self.sent.get(run_id, 0) >= seq:
            return
        self.sent[run_id] = seq
        await self.send_frame(text)


def frame(kind, payload):
    return dumps({"type": kind, "ts": iso(now_ms()), "payload": payload})


def envelope(kind, run_id, thread_id, seq, agent, payload, at):
    value = {"type": kind, "ts": iso(at), "run_id": run_id, "thread_id": thread_id, "seq": seq, "payload": payload}
    if agent is not None:
        value["agent"] = agent
    return dumps(value)


class Run:
    def __init__(self, user_id, thread_id, run_id, content):
        self.user_id, self.thread_id, self.run_id, self.content = user_id, thread_id, run_id, content
        self.seq = 0

    def make(self, kind, agent, payload):
        """The next event: its stored row and the text sent (encoded once, the same bytes)."""
        self.seq += 1
        at = now_ms()
        text = envelope(kind, self.run_id, self.thread_id, self.seq, agent, payload, at)
        return (self.run_id, self.seq, kind, agent, text, at), text

    async def publish(self, seq, text):
        for connection in tuple(state.sockets.get(self.user_id, ())):
            await connection.send_event(self.run_id, seq, text)

    async def emit(self, kind, agent, payload):
        row, text = self.make(kind, agent, payload)
        state.db.execute("INSERT INTO run_events (run_id, seq, type, agent, envelope, at) VALUES (?, ?, ?, ?, ?, ?)", row)
        await self.publish(row[1], text)

    async def execute(self):
        agent = AGENT
        started = time.monotonic()
        db = state.db
        row, text = self.make("run_status", None, {"status": "running"})
        with transaction(db):
            db.execute("UPDATE runs SET status = 'running', started_at = ? WHERE id = ?", (row[5], self.run_id))
            db.execute("INSERT INTO run_events (run_id, seq, type, agent, envelope, at) VALUES (?, ?, ?, ?, ?, ?)", row)
        await self.publish(row[1], text)
        await self.emit("agent_started", agent, {"agent": agent})

        # The thread's earlier messages (up to 40) are the model's context, as in Cairn.
        history = db.execute("SELECT role, content FROM (SELECT role, content, id FROM messages WHERE thread_id = ? "
                             "AND (run_id IS NULL OR run_id != ?) ORDER BY id DESC LIMIT 40) ORDER BY id",
                             (self.thread_id, self.run_id)).fetchall()
        messages = [("system", SYSTEM_PROMPT)] + list(history) + [("user", self.content)]
        input_tokens = output_tokens = 0
        answer = None
        for iteration in range(1, MAX_STEPS + 1):
            await self.emit("agent_thinking", agent, {
                "progress": json_number((iteration - 1) / MAX_STEPS),
                "text": "Reading the request" if iteration == 1 else "Reading tool results"})
            input_tokens += count_words(" ".join(content for _, content in messages))
            last_role, last_content = messages[-1]
            call = None
            if last_role == "tool":
                text_reply = summarize_calculator(json.loads(last_content))
            else:
                call = offline_intent(last_content, len(messages))
                text_reply = "" if call else no_tool_reply(last_content)
            output_tokens += count_words(text_reply)
            if call is None:
                words = text_reply.split(" ")
                for index, word in enumerate(words):
                    await self.emit("message_delta", agent, {"text": word if index == len(words) - 1 else word + " "})
                answer = text_reply
                break
            arguments = json.loads(call["arguments"])
            await self.emit("tool_executing", agent, {"arguments": arguments, "call_id": call["id"], "tool": call["name"]})
            tool_started = time.monotonic()
            try:
                result = {"expression": arguments["expression"], "value": json_number(calculate(arguments["expression"]))}
                payload = {"ok": True, "result": result}
                tool_content = dumps(result)
            except CalculatorError as failure:
                payload = {"ok": False, "error": str(failure)}
                tool_content = dumps({"error": str(failure)})
            payload.update({"call_id": call["id"], "tool": call["name"],
                            "duration_ms": int((time.monotonic() - tool_started) * 1000)})
            await self.emit("tool_completed", agent, payload)
            messages += [("assistant", ""), ("tool", tool_content)]
        if answer is None:
            answer = ""

        # One transaction closes the run: the answer, the run row, the closing events.
        finished = now_ms()
        message_id = new_id("msg")
        completed_row, completed_text = self.make("agent_completed", agent, {
            "agent": agent, "duration_ms": int((time.monotonic() - started) * 1000), "output": answer,
            "status": "succeeded"})
        usage = {"input_tokens": input_tokens, "output_tokens": output_tokens}
        final_row, final_text = self.make("run_completed", None, {
            "message_id": message_id, "status": "succeeded", "usage": usage})
        with transaction(db):
            db.execute("INSERT INTO messages (id, thread_id, user_id, role, content, run_id, created_at) "
                       "VALUES (?, ?, ?, 'assistant', ?, ?, ?)",
                       (message_id, self.thread_id, self.user_id, answer, self.run_id, finished))
            db.execute("UPDATE threads SET message_count = message_count + 1, updated_at = ? WHERE id = ?",
                       (finished, self.thread_id))
            db.execute("UPDATE runs SET status = 'succeeded', input_tokens = ?, output_tokens = ?, finished_at = ? "
                       "WHERE id = ?", (input_tokens, output_tokens, finished, self.run_id))
            db.executemany("INSERT INTO run_events (run_id, seq, type, agent, envelope, at) VALUES (?, ?, ?, ?, ?, ?)",
                           [completed_row, final_row])
        await self.publish(completed_row[1], completed_text)
        await self.publish(final_row[1], final_text)

    async def guarded(self):
        try:
            await self.execute()
        except Exception as failure:  # a bug: end the run as Cairn would, failed
            print(f"run {self.run_id} failed: {failure!r}", file=sys.stderr, flush=True)
            try:
                await self.emit("run_completed", None, {
                    "error": {"code": "internal_error", "message": "the run failed unexpectedly"},
                    "status": "failed", "usage": {"input_tokens": 0, "output_tokens": 0}})
                state.db.execute("UPDATE runs SET status = 'failed', finished_at = ? WHERE id = ?", (now_ms(), self.run_id))
            except Exception:
                pass
        finally:
            state.live.discard(self.run_id)


def start_run(user_id, thread_id, content):
    """One transaction opens the run: thread (if new), user message, run row, first event."""
    now = now_ms()
    run_id, message_id = new_id("run"), new_id("msg")
    db = state.db
    with transaction(db):
        if thread_id is None:
            thread_id = new_id("thr")
            db.execute("INSERT INTO threads (id, user_id, title, agent, message_count, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, 0, ?, ?)", (thread_id, user_id, content.strip()[:80], AGENT, now, now))
        elif not db.execute("SELECT 1 FROM threads WHERE id = ? AND user_id = ? AND archived = 0",
                            (thread_id, user_id)).fetchone():
            return None
        db.execute("INSERT INTO messages (id, thread_id, user_id, role, content, run_id, created_at) "
                   "VALUES (?, ?, ?, 'user', ?, ?, ?)", (message_id, thread_id, user_id, content, run_id, now))
        db.execute("UPDATE threads SET message_count = message_count + 1, updated_at = ? WHERE id = ?", (now, thread_id))
        db.execute("INSERT INTO runs (id, thread_id, user_id, agent, agent_version, status, input, created_at) "
                   "VALUES (?, ?, ?, ?, 0, 'queued', ?, ?)", (run_id, thread_id, user_id, AGENT, content, now))
        run = Run(user_id, thread_id, run_id, content)
        row, text = run.make("run_status", None, {"status": "queued"})
        db.execute("INSERT INTO run_events (run_id, seq, type, agent, envelope, at) VALUES (?, ?, ?, ?, ?, ?)", row)
    return run, message_id, row[1], text


async def handle_user_message(connection, message):
    content = message.get("content")
    thread_id = message.get("thread_id")
    client_msg_id = message.get("client_msg_id")
    if not isinstance(content, str) or (thread_id is not None and not isinstance(thread_id, str)):
        await connection.send_frame(frame("error", {"code": "invalid_request", "message": "invalid message",
                                                    "details": {"content": "has the wrong type"}}))
        return
    if not content.strip() or len(content.encode()) > MAX_MESSAGE_BYTES:
        await connection.send_frame(frame("error", {"code": "validation_failed", "message": "validation failed",
                                                    "details": {"input": "must not be empty"}}))
        return
    try:
        started = start_run(connection.user_id, thread_id, content)
    except sqlite3.OperationalError as failure:  # the database stayed locked past busy_timeout
        await connection.send_frame(frame("error", {"code": "unavailable", "message": str(failure)}))
        return
    if started is None:
        await connection.send_frame(frame("error", {"code": "not_found", "message": "thread not found"}))
        return
    run, message_id, first_seq, first_text = started
    payload = {"message_id": message_id, "run_id": run.run_id, "thread_id": run.thread_id}
    if client_msg_id is not None:
        payload["client_msg_id"] = client_msg_id
    await connection.send_frame(frame("message_accepted", payload))
    state.live.add(run.run_id)
    await run.publish(first_seq, first_text)
    asyncio.get_running_loop().create_task(run.guarded())


async def handle_resume(connection, message):
    """Stored events after `after_seq` not yet sent on this socket, then the live ones: the run's
    live events wait while the log is replayed, so the socket sees every seq once, in order."""
    run_id, after = message.get("run_id"), message.get("after_seq") or 0
    if not isinstance(run_id, str) or not isinstance(after, int) or isinstance(after, bool) or after < 0:
        await connection.send_frame(frame("error", {"code": "invalid_request", "message": "invalid message",
                                                    "details": {"after_seq": "must be a whole number"}}))
        return
    db = state.db
    if not db.execute("SELECT 1 FROM runs WHERE id = ? AND user_id = ?", (run_id, connection.user_id)).fetchone():
        await connection.send_frame(frame("error", {"code": "not_found", "message": "run not found"}))
        return
    connection.replaying.add(run_id)
    position = max(after, connection.sent.get(run_id, 0))
    deadline = time.monotonic() + 600
    try:
        while not connection.closed and time.monotonic() < deadline:
            rows = db.execute("SELECT seq, type, envelope FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq",
                              (run_id, position)).fetchall()
            if not rows:
                if run_id in state.live:
                    return  # caught up with a run of this worker: its live events flow from here on
                await asyncio.sleep(0.02)  # a run of the other worker: follow its log
                continue
            for seq, kind, text in rows:
                if connection.sent.get(run_id, 0) < seq:
                    connection.sent[run_id] = seq
                    await connection.send_frame(text)
                position = seq
                if kind == TERMINAL_TYPE:
                    return
    finally:
        connection.replaying.discard(run_id)


@app.websocket("/ws")
async def websocket_endpoint(ws: WebSocket):
    user_id = authenticate(ws.headers.get("authorization"))
    if user_id is None:
        await ws.close(code=1008)  # before accept: the upgrade is refused with an HTTP error
        return
    await ws.accept()
    connection = Connection(ws, user_id)
    state.sockets.setdefault(user_id, set()).add(connection)
    tasks = set()
    try:
        await connection.send_frame(frame("connection_established", {
            "connection_id": str(uuid.uuid4()), "protocol": 1, "server_time": iso(now_ms()), "user_id": user_id}))
        while True:
            text = await ws.receive_text()
            try:
                message = json.loads(text)
                if not isinstance(message, dict):
                    raise ValueError
            except ValueError:
                await connection.send_frame(frame("error", {"code": "invalid_json", "message": "invalid JSON"}))
                continue
            kind = message.get("type")
            if kind == "user_message":
                await handle_user_message(connection, message)
            elif kind == "resume":
                task = asyncio.get_running_loop().create_task(handle_resume(connection, message))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif kind == "ping":
                await connection.send_frame(frame("pong", {}))
            else:
                await connection.send_frame(frame("error", {"code": "unknown_type", "message": "unknown message type"}))
    except (WebSocketDisconnect, RuntimeError, KeyError):
        pass
    finally:
        connection.closed = True
        mine = state.sockets.get(user_id)
        if mine is not None:
            mine.discard(connection)
            if not mine:
                state.sockets.pop(user_id, None)
        for task in tasks:
            task.cancel()


