"""The chat page's run timeline in headless Chromium (Playwright); prints a JSON summary.

Default mode (server started by the Swift test, with root@example.com as administrator): a tool
call in the timeline and its collapsed summary, a pipeline's nested agents, Stop in words, a
reload in the middle of a stream (the answer equals the run's message_delta events, once), and a
failed run (an agent on a dead provider) shown live and again after reopening the thread.

CAIRN_TIMELINE_MODE=restart: this script runs cairn itself (CAIRN_BINARY, CAIRN_TIMELINE_DATA),
SIGKILLs it in the middle of a run and starts it again on the same port and data directory: the
page reconnects by itself and shows the run as interrupted."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

from playwright.sync_api import expect, sync_playwright

from browser_support import Shots, launch_chromium, record_errors, request, sign_up

base = sys.argv[1]
mode = os.environ.get("CAIRN_TIMELINE_MODE", "main")
summary = {"errors": [], "screenshots": []}
shot = Shots(summary, "timeline-")
LONG = "Tell me a long story " + "about cairns on hills " * 20
STORY_WORD = "[cairn-offline] This"


def register(page, name, email):
    page.goto(base + "/")
    sign_up(page, name, email)


def ask(page, text, agent="assistant"):
    page.locator("#agent").select_option(agent)
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def last_turn(page):
    return page.locator("#log .turn").last


def label(turn):
    return turn.locator(".timeline > summary")


def run_id_of_last_turn(page):
    """The run of the open thread's last user message (the thread id is in the address)."""
    return page.evaluate("""async () => {
        const id = /^#thread=(.+)$/.exec(location.hash)[1];
        const page = await CairnAuth.api('GET', `/api/threads/${id}/messages`);
        const users = page.items.filter((m) => m.role === 'user');
        return users[users.length - 1].run_id;
    }""")


def deltas(page, run_id):
    return page.evaluate("""async (id) => (await CairnAuth.api('GET', `/api/runs/${id}/events`)).items
        .filter((e) => e.type === 'message_delta').map((e) => e.payload.text).join('')""", run_id)


def watch_labels(page):
    # Every summary text any timeline shows, to prove "Queued…" never flashed for a run that started at once.
    page.add_init_script("""
        window.__labels = [];
        new MutationObserver(() => {
            for (const node of document.querySelectorAll('.timeline-label')) {
                if (!window.__labels.includes(node.textContent)) window.__labels.push(node.textContent);
            }
        }).observe(document, { subtree: true, childList: true, characterData: true });
    """)


def lines_repeated(turn):
    texts = [t.strip() for t in turn.locator(".timeline-line").all_text_contents()]
    return [t for t in set(texts) if texts.count(t) > 1]


def main_mode(pw):
    status, body, _ = request(base, "POST", "/api/auth/login", {"email": "root@example.com", "password": "admin password 1"})
    admin = body["access_token"]
    # An agent whose only provider does not answer: the run fails with provider_unavailable after a retry.
    summary["dead_provider"] = request(base, "PUT", "/api/admin/providers/dead", {"type": "openai", "base_url": "http://127.0.0.1:9/v1",
                                                                                   "model": "none", "max_retries": 1, "timeout_ms": 1000}, admin)[0]
    summary["broken_agent"] = request(base, "PUT", "/api/admin/agents/broken", {"description": "Talks to a provider that is down",
                                                                                  "kind": "chat", "provider": ["dead"]}, admin)[0]

    browser = launch_chromium(pw)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    record_errors(page, summary["errors"])
    watch_labels(page)
    register(page, "Tim", f"tim{int(time.time())}@example.com")
    expect(page.locator("#connection")).to_have_text("Connected", timeout=10000)
    summary["indicator_role"] = page.locator("#connection").get_attribute("role")

    # 1. A tool call: arguments and result in the timeline, then one summary line.
    ask(page, "What is 17*23?")
    turn = last_turn(page)
    tool = turn.locator(".tool-call > summary")
    expect(tool).to_contain_text("calculator(17*23)", timeout=10000)
    shot(page, "running")
    expect(turn.locator(".bubble.assistant")).to_contain_text("= 391", timeout=20000)
    expect(label(turn)).to_have_text(re.compile(r"^Done in [\d.]+ m?s · 1 agent · 1 tool call · \d+ tokens$"), timeout=10000)
    summary["tool_summary"] = tool.text_content()
    summary["done_label"] = label(turn).text_content()
    summary["collapsed"] = turn.locator(".timeline").evaluate("(node) => !node.open")
    summary["announced"] = page.locator("#run-announcer").text_content()
    shot(page, "collapsed")
    label(turn).click()
    tool.click()
    summary["tool_arguments"] = json.loads(turn.locator(".tool-args").text_content())
    summary["tool_result"] = json.loads(turn.locator(".tool-result").text_content())
    summary["queued_shown"] = any("Queued" in text for text in page.evaluate("window.__labels"))
    shot(page, "tool-expanded")

    # 2. A pipeline: its steps nested under it.
    page.get_by_role("button", name="New thread").click()
    ask(page, "Please plan the garden work for next spring", agent="supervisor")
    turn = last_turn(page)
    expect(label(turn)).to_have_text(re.compile(r"^Done in .* · 6 agents"), timeout=30000)
    summary["pipeline_label"] = label(turn).text_content()
    label(turn).click()
    summary["pipeline_nested"] = turn.locator(".timeline-agent .timeline-agent > .agent-title").all_text_contents()
    summary["pipeline_top"] = turn.locator(".timeline > .timeline-steps > .timeline-agent > .agent-title").all_text_contents()
    shot(page, "pipeline")

    # 3. Stop: cancelled, in words.
    page.get_by_role("button", name="New thread").click()
    ask(page, LONG)
    turn = last_turn(page)
    expect(turn.locator(".bubble.assistant")).to_contain_text(STORY_WORD, timeout=20000)
    page.get_by_role("button", name="Stop").click()
    expect(label(turn)).to_have_text(re.compile(r"^Cancelled after "), timeout=20000)
    summary["cancel_label"] = label(turn).text_content()
    summary["cancel_lines"] = turn.locator(".timeline-line.warn").all_text_contents()
    label(turn).click()
    shot(page, "cancelled")

    # 4. Reload in the middle of a stream: the same answer continues, whole and once.
    page.get_by_role("button", name="New thread").click()
    ask(page, LONG)
    turn = last_turn(page)
    expect(turn.locator(".bubble.assistant")).to_contain_text(STORY_WORD, timeout=20000)
    thread_before = page.evaluate("location.hash")
    page.reload()
    expect(page.locator("#chat-view")).to_be_visible(timeout=10000)
    summary["hash_kept"] = page.evaluate("location.hash") == thread_before and thread_before.startswith("#thread=thr_")
    turn = last_turn(page)
    try:
        expect(turn.locator(".timeline")).to_be_visible(timeout=10000)
    finally:
        shot(page, "after-reload")
    summary["following_after_reload"] = turn.locator(".timeline").evaluate("(node) => node.classList.contains('running')")
    expect(label(turn)).to_have_text(re.compile(r"^Done in "), timeout=30000)
    run_id = run_id_of_last_turn(page)
    shown = turn.locator(".bubble.assistant .text").text_content()
    summary["reload_text_equal"] = shown == deltas(page, run_id)
    summary["reload_text_length"] = len(shown)
    summary["reload_user_bubbles"] = page.locator("#log .bubble.user").count()

    # 5. A failed run: the user's message and the reason in words, said once; the same after reopening.
    page.get_by_role("button", name="New thread").click()
    ask(page, "Hello, are you there?", agent="broken")
    turn = last_turn(page)
    expect(label(turn)).to_have_text(re.compile(r"^Failed: "), timeout=30000)
    summary["failed_label"] = label(turn).text_content()
    summary["failed_repeats"] = lines_repeated(turn)
    label(turn).click()
    shot(page, "failed")
    page.reload()
    expect(page.locator("#chat-view")).to_be_visible(timeout=10000)
    turn = last_turn(page)
    expect(label(turn)).to_have_text(re.compile(r"^Failed: "), timeout=10000)
    summary["reopened_failed_label"] = label(turn).text_content()
    summary["reopened_failed_user"] = page.locator("#log .bubble.user").all_text_contents()
    summary["reopened_failed_repeats"] = lines_repeated(turn)
    summary["reopened_failed_lines"] = turn.locator(".timeline-line").all_text_contents()

    # The first thread again (a past run rebuilt from its events), at phone width and in dark mode.
    page.locator("#thread-list button.thread", has_text="What is 17*23?").first.click()
    turn = last_turn(page)
    expect(label(turn)).to_have_text(re.compile(r"^Done in .* · 1 tool call"), timeout=10000)
    summary["reopened_tool_label"] = label(turn).text_content()
    label(turn).click()
    turn.locator(".tool-call > summary").click()
    summary["reopened_tool_result"] = json.loads(turn.locator(".tool-result").text_content())
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "phone")
    summary["phone_overflow"] = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 860})
    shot(page, "dark")
    browser.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAIRN_")}
    process = subprocess.Popen([os.environ["CAIRN_BINARY"], "serve", "--port", str(port), "--data-dir", data_dir,
                                "--set", "auth.bcrypt_cost=4", "--set", "agents.offline_chunk_delay_ms=40"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 20
    for line in process.stdout:
        if "url=http://" in line:
            break
        if time.time() > deadline:
            raise RuntimeError("cairn did not start")
    # Keep draining its output so it never blocks on a full pipe.
    import threading
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    return process


def restart_mode(pw):
    global base
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = os.environ["CAIRN_TIMELINE_DATA"]
    server = start_server(port, data_dir)
    try:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        record_errors(page, summary["errors"], console=None)
        register(page, "Rhea", "rhea@example.com")
        expect(page.locator("#connection")).to_have_text("Connected", timeout=10000)
        page.evaluate("window.__sameDocument = true")
        ask(page, LONG)
        turn = last_turn(page)
        expect(turn.locator(".bubble.assistant")).to_contain_text(STORY_WORD, timeout=20000)
        run_id = run_id_of_last_turn(page)
        server.send_signal(signal.SIGKILL)
        server.wait()
        expect(page.locator("#connection")).to_contain_text("Reconnecting", timeout=10000)
        summary["reconnecting_text"] = page.locator("#connection").text_content()
        shot(page, "reconnecting")
        server = start_server(port, data_dir)
        expect(page.locator("#connection")).to_have_text("Connected", timeout=20000)
        summary["same_document"] = page.evaluate("window.__sameDocument === true")
        expect(label(turn)).to_have_text("Interrupted by a server restart", timeout=20000)
        summary["interrupted_label"] = label(turn).text_content()
        summary["run_status"] = page.evaluate("async (id) => (await CairnAuth.api('GET', `/api/runs/${id}`)).status", run_id)
        summary["send_enabled"] = page.get_by_role("button", name="Send").is_enabled()
        label(turn).click()
        shot(page, "interrupted")
        browser.close()
    finally:
        server.kill()
        server.wait()


with sync_playwright() as pw:
    if mode == "restart":
        restart_mode(pw)
    else:
        main_mode(pw)
print(json.dumps(summary))
