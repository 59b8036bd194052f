"""A real third-party WebSocket client (python `websockets`) against a running cairn binary.

register -> ticket -> connect -> chat -> events -> disconnect mid-run -> resume.
Prints one JSON summary line; exits non-zero with a message on the first broken promise.
"""
import asyncio
import base64
import json
import os
import socket
import sys
import time
import urllib.request

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

BASE = sys.argv[1]  # http://127.0.0.1:PORT
WS = BASE.replace("http://", "ws://") + "/ws"


def post(path, body=None, token=None):
    request = urllib.request.Request(BASE + path, data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as reply:
        return reply.status, json.loads(reply.read() or b"{}")


def check(condition, message):
    if not condition:
        print("FAILED: " + message, file=sys.stderr)
        sys.exit(1)


def ticket(token):
    status, body = post("/api/auth/ws-ticket", token=token)
    check(status == 201 and body["ticket"].startswith("wst_") and body["expires_in"] == 60, f"ticket: {status} {body}")
    return body["ticket"]


async def frames_until(ws, predicate, limit=2000):
    seen = []
    while len(seen) < limit:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
        seen.append(frame)
        if predicate(frame, seen):
            return seen
    raise AssertionError("no end")


def dead_peer(token):
    """A raw client that upgrades, reads, and never answers pings: the server must close it."""
    host, port = BASE.replace("http://", "").split(":")
    raw = socket.create_connection((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    raw.settimeout(15)
    started, data, opcodes = time.time(), b"", []
    while 8 not in opcodes:
        chunk = raw.recv(65536)
        if not chunk:
            break
        data += chunk
        head, separator, frames = data.partition(b"\r\n\r\n")
        check(head.startswith(b"HTTP/1.1 101"), f"upgrade: {head[:40]}")
        opcodes, offset = [], 0
        while offset + 2 <= len(frames):
            length, header = frames[offset + 1] & 0x7F, 2
            if length == 126:
                length, header = int.from_bytes(frames[offset + 2:offset + 4], "big"), 4
            if offset + header + length > len(frames):
                break
            opcodes.append(frames[offset] & 0x0F)
            offset += header + length
    raw.close()
    return opcodes, time.time() - started


async def refused(uri, **kwargs):
    try:
        async with connect(uri, **kwargs):
            return None
    except InvalidStatus as error:
        return error.response.status_code


async def main():
    _, registered = post("/api/auth/register", {"email": "py-ws@example.com", "password": "correct horse battery"})
    token = registered["access_token"]
    summary = {}

    first = ticket(token)
    async with connect(f"{WS}?ticket={first}", subprotocols=["cairn.v1"]) as ws:
        check(ws.subprotocol == "cairn.v1", f"subprotocol {ws.subprotocol}")
        hello = json.loads(await ws.recv())
        check(hello["type"] == "connection_established" and hello["payload"]["protocol"] == 1, f"hello {hello}")
        await ws.send(json.dumps({"type": "user_message", "content": "What is 6 * 7?", "client_msg_id": "py-1"}))
        seen = await frames_until(ws, lambda f, _: f["type"] == "run_completed")
        accepted = seen[0]
        check(accepted["type"] == "message_accepted" and accepted["payload"]["client_msg_id"] == "py-1", f"accepted first: {accepted}")
        run = [f for f in seen if f.get("run_id") == accepted["payload"]["run_id"]]
        seqs = [f["seq"] for f in run]
        check(seqs == list(range(1, len(seqs) + 1)), f"seqs {seqs}")
        kinds = [f["type"] for f in run if f["type"] != "message_delta"]
        check(kinds[-1] == "run_completed" and run[-1]["payload"]["status"] == "succeeded", f"kinds {kinds}")
        check("tool_executing" in kinds and "tool_completed" in kinds, f"kinds {kinds}")
        answer = "".join(f["payload"]["text"] for f in run if f["type"] == "message_delta")
        check("42" in answer, f"answer {answer}")
        summary["chat_events"] = len(run)
        await ws.send("{oops")
        error = json.loads(await ws.recv())
        check(error["type"] == "error" and error["payload"]["code"] == "invalid_json", f"error {error}")

    summary["reused_ticket_status"] = await refused(f"{WS}?ticket={first}")
    summary["no_credentials_status"] = await refused(WS)
    check(summary["reused_ticket_status"] is not None and summary["no_credentials_status"] is not None, "upgrade not refused")

    # A long answer: disconnect after a few events, then resume on a new socket.
    async with connect(f"{WS}?ticket={ticket(token)}", subprotocols=["cairn.v1"]) as ws:
        await ws.recv()
        await ws.send(json.dumps({"type": "user_message", "content": "Tell me a long story about a cairn on a hill"}))
        seen = await frames_until(ws, lambda f, all_: sum(1 for x in all_ if "seq" in x) >= 4
                                  and any(x["type"] == "message_accepted" for x in all_))
        run_id = next(f for f in seen if f["type"] == "message_accepted")["payload"]["run_id"]
        before = [f["seq"] for f in seen if f.get("run_id") == run_id]
    async with connect(WS, additional_headers={"Authorization": "Bearer " + token}) as ws:
        await ws.recv()
        await ws.send(json.dumps({"type": "resume", "run_id": run_id, "after_seq": before[-1]}))
        seen = await frames_until(ws, lambda f, _: f["type"] == "run_completed" and f.get("run_id") == run_id)
        after = [f["seq"] for f in seen if f.get("run_id") == run_id]
    total = before + after
    check(total == list(range(1, len(total) + 1)), f"resume gap or duplicate: {before} + {after}")
    summary["resumed_from"] = before[-1]
    summary["resumed_events"] = len(after)

    opcodes, seconds = dead_peer(token)
    check(9 in opcodes and 8 in opcodes, f"dead peer: opcodes {opcodes}")
    summary["dead_peer_closed_after_s"] = round(seconds, 1)

    # Last: hold a socket open while the test stops the server; it must close with 1001.
    async with connect(WS, additional_headers={"Authorization": "Bearer " + token}) as ws:
        await ws.recv()
        print("READY", flush=True)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), timeout=20)
        except ConnectionClosed as closed:
            summary["shutdown_close_code"] = closed.rcvd.code if closed.rcvd else None
    print(json.dumps(summary), flush=True)


asyncio.run(main())
