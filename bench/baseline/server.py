"""The baseline of `make bench`: Cairn's `/ws` chat subset in the reference stack.

FastAPI + uvicorn (uvloop, httptools, the `websockets` sans-I/O protocol, permessage-deflate),
2 worker processes sharing one listening socket (this process binds it and supervises them,
as `uvicorn --workers 2 app:app` does; each worker imports app.py), SQLite in WAL mode with
synchronous=NORMAL, bcrypt for passwords (cost configurable, default 12, hashed in a thread so
the event loop keeps serving), Ed25519-signed JWTs (as Cairn signs them).

    python server.py --port 0 --data-dir DIR [--workers 2] [--bcrypt-cost 12]

It prints `listening on 127.0.0.1:PORT` once the socket is bound (before the workers start).

What it implements, with Cairn's wire shapes (docs/API.md):
- `POST /api/auth/register` {email, password, name?} -> 201 AuthBody; 409 taken; 422 invalid
- `POST /api/auth/login` {email, password} -> 200 AuthBody; 401 invalid_credentials
- `GET /healthz` -> {"status":"ok"}
- `/ws` with `Authorization: Bearer <access token>` (signature, claims, and the user and session
  checked in the database before the upgrade): first frame `connection_established`; client
  `user_message {content, thread_id?, client_msg_id?}` -> `message_accepted` then the run's
  events in Cairn's envelope; `resume {run_id, after_seq}` replays stored events (then follows
  the run if it is still going); `ping` -> `pong`.

The run is a port of Cairn's built-in offline model and chat tool loop (OfflineProvider.swift,
ArithmeticSpan.swift, AgentRunner.swift): the same events, in the same order, with the same
payloads, for the same input. Every event is committed to SQLite before it is sent. One
transaction opens a run (thread, user message, run row, first event) and one closes it (assistant
message, final run row, the closing events), as in Cairn.

Not implemented (the benchmark does not use them): refresh/logout/sessions routes, rate limits,
lockout, cancel_run, pipelines, the other tools, fan-out of a user's events to sockets held by
the *other* worker process (each socket gets the runs it started, and those of other sockets of
the same user in the same worker), the once-a-second session re-check of open sockets.
"""
import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schema import SCHEMA, open_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--data-dir", default="./baseline-data")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bcrypt-cost", type=int, default=12)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()

    os.makedirs(args.data_dir, mode=0o700, exist_ok=True)
    os.environ["BASELINE_DATA_DIR"] = os.path.abspath(args.data_dir)
    os.environ["BASELINE_BCRYPT_COST"] = str(args.bcrypt_cost)
    db = open_database(os.path.join(args.data_dir, "baseline.db"))
    db.executescript(SCHEMA)
    db.close()
    key_path = os.path.join(args.data_dir, "signing_key")  # the Ed25519 seed the workers sign with
    if not os.path.exists(key_path):
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(descriptor, os.urandom(32))
        os.close(descriptor)

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("app:app", host=args.host, port=args.port, workers=args.workers, loop="uvloop",
                            http="httptools", ws="auto", ws_per_message_deflate=True, ws_max_size=1 << 20,
                            log_level=args.log_level, lifespan="on")
    # Bind here (port 0 picks a free port) so the log can say which port, then hand the socket to
    # the workers exactly as `uvicorn --workers N` does.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    print(f"baseline: listening on {args.host}:{sock.getsockname()[1]} with {args.workers} workers, "
          f"bcrypt cost {args.bcrypt_cost}, data in {args.data_dir}", flush=True)
    if args.workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
