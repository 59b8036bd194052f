"""The chat page behind a proxy that passes HTTP but refuses WebSocket upgrades (as some corporate
proxies do): the page tries /ws three times, then follows runs over the SSE stream
(GET /api/runs/{id}/stream). Prints a JSON summary: the answers shown, the requests made, and
whether each answer equals the assistant message the server stored."""
import json
import socket
import sys
import threading

from playwright.sync_api import expect, sync_playwright

from browser_support import Shots, launch_chromium, record_errors, sign_up

upstream = sys.argv[1]
upstream_host, upstream_port = upstream.split("//")[1].split(":")
summary = {"refused_upgrades": 0, "stream_requests": 0, "websockets": 0, "errors": [], "screenshots": []}


def read_head(connection):
    """The request head (up to the blank line) and whatever body bytes came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def pipe(source, destination):
    try:
        while chunk := source.recv(65536):
            destination.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            destination.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(client):
    """One request per connection: an upgrade is answered 502, anything else is forwarded with
    `Connection: close` and the bytes piped both ways until the server closes."""
    with client:
        head, rest = read_head(client)
        if head is None:
            return
        lines = head.split("\r\n")
        fields = [line for line in lines[1:] if not line.lower().startswith(("connection:", "upgrade:", "keep-alive:"))]
        if any(line.lower().startswith("upgrade:") for line in lines[1:]):
            summary["refused_upgrades"] += 1
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        if "/stream" in lines[0]:
            summary["stream_requests"] += 1
        with socket.create_connection((upstream_host, int(upstream_port))) as server:
            server.sendall(("\r\n".join([lines[0], *fields, "Connection: close"]) + "\r\n\r\n").encode("latin-1") + rest)
            upward = threading.Thread(target=pipe, args=(client, server), daemon=True)
            upward.start()
            pipe(server, client)


listener = socket.create_server(("127.0.0.1", 0))
base = f"http://127.0.0.1:{listener.getsockname()[1]}"


def accept_forever():
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


threading.Thread(target=accept_forever, daemon=True).start()

shot = Shots(summary, "sse-")
with sync_playwright() as pw:
    browser = launch_chromium(pw)
    page = browser.new_page()
    page.on("websocket", lambda ws: summary.__setitem__("websockets", summary["websockets"] + 1))
    # The refused upgrades are the point of this test; anything else in the console is a fault.
    record_errors(page, summary["errors"], console=lambda message: "WebSocket" not in message.text and "502" not in message.text)
    page.goto(base + "/")
    sign_up(page, "Sam", "sam@example.com")

    log = page.get_by_role("log")
    answers = []
    for question, answer in [("What is 6*7?", "= 42"), ("What is 2+3?", "= 5")]:
        page.get_by_label("Message").fill(question)
        page.get_by_role("button", name="Send").click()
        expect(log).to_contain_text(answer, timeout=30000)
        expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=10000)
        answers.append(answer)
    summary["answers"] = answers
    expect(page.locator("#connection")).to_have_text("Live over HTTP")
    summary["connection_label"] = page.locator("#connection").inner_text()
    shot(page, "answered")

    # What the page shows is what the server stored: one bubble per answer, each answer's words
    # once (nothing lost or doubled on the SSE path).
    stored = page.evaluate("""async () => {
        const threads = await CairnAuth.api('GET', '/api/threads');
        const all = [];
        for (const thread of threads.items) {
            const page = await CairnAuth.api('GET', `/api/threads/${thread.id}/messages?limit=50`);
            all.push(...page.items.filter((m) => m.role === 'assistant').map((m) => m.content));
        }
        return all;
    }""")
    shown = page.locator(".bubble.assistant .text").all_inner_texts()
    summary["stored_answers"] = len(stored)
    summary["shown_answers"] = len(shown)
    summary["each_answer_once"] = all(
        sum(text.count(answer) for text in shown) == 1 and sum(text.count(answer) for text in stored) == 1 for answer in answers)
    if not summary["each_answer_once"]:
        summary["shown"], summary["stored"] = shown, stored
    browser.close()
print(json.dumps(summary))
