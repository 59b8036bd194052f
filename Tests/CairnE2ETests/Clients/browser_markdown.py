"""Markdown answers on the chat page, in headless Chromium (Playwright).

(a) CairnMarkdown.render is called in the page on hostile and normal inputs (and on every prefix
    of a hostile answer, as a stream would show it) and the resulting DOM is inspected.
(b) End to end: a fake OpenAI-compatible vendor on a loopback port streams a hostile Markdown
    answer; the administrator (created by the Swift test) configures it as the provider of the
    assistant agent; a user asks on the chat page. The answer must render as Markdown, the
    user's own message stay literal text, the Copy button fill the clipboard, and no script run.

Screenshots go to $CAIRN_SCREENSHOTS (default .build/screenshots). Prints a JSON summary."""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import expect, sync_playwright

from browser_support import Shots, launch_chromium, record_errors, request, sign_up

base = sys.argv[1]
summary = {"errors": [], "dialogs": [], "screenshots": [], "unit_failures": [], "vendor_calls": 0}
shot = Shots(summary, "chat-markdown-")

CODE = 'def greet(name):\n    return f"Hello, {name}!"  # <script>alert(1)</script>'
HOSTILE = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1))",
    '<img src=x onerror="window.__pwned=1">',
    '<svg onload="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "[x](data:text/html,<script>alert(1)</script>)",
]
ANSWER = "\n".join([
    "# Deployment notes",
    "",
    "Here is **bold**, *emphasis*, `inline code` and a [safe link](https://example.com/docs?a=1&b=2).",
    "",
    "Hostile payloads, all shown as text:",
    "",
    *[f"- {payload}" for payload in HOSTILE],
    "- ![x](javascript:alert(1)) and [rel](/admin/) and [ent](jav&#x61;script:alert(1))",
    "  1. nested first",
    "  2. nested second",
    "",
    "## A table",
    "",
    "| Service | Port | Status | Notes |",
    "|---|---:|:---:|---|",
    "| api-gateway-frontend-service | 8080 | **up** | handles `GET /v1/items/{id}/children` and the long tail |",
    '| worker | 9090 | *degraded* | <img src=x onerror="window.__pwned=1"> |',
    "",
    "```python",
    CODE,
    "```",
    "",
    "> Quoted text with a <b>bold tag</b> shown as text.",
    "",
    "---",
    "",
    "Done: <https://cairn.example/ok> or <mailto:ops@example.com>.",
])
USER_INPUT = "Render test:\n**not bold** # not a heading\n" + " ".join(HOSTILE)

# ---- (b)'s fake vendor: POST /v1/chat/completions answers ANSWER as an OpenAI stream ----


class Vendor(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        summary["vendor_calls"] += 1
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        summary["vendor_saw_user_input"] = any(m.get("content") == USER_INPUT for m in request.get("messages", []))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        sizes, at, step = [1, 3, 7, 13, 29], 0, 0
        while at < len(ANSWER):
            piece = ANSWER[at:at + sizes[step % len(sizes)]]
            at, step = at + len(piece), step + 1
            chunk = {"id": "chatcmpl-md", "object": "chat.completion.chunk", "model": "fake-md",
                     "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(0.005)  # the vendor's pace, so the page sees the answer arrive in pieces
        done = {"id": "chatcmpl-md", "object": "chat.completion.chunk", "model": "fake-md",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 34}}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args):
        pass


# ---- (a): what render() builds, inspected in the page ----

INSPECT = """(cases) => cases.map((input) => {
  const box = document.createElement('div');
  box.append(CairnMarkdown.render(input));
  const all = [...box.querySelectorAll('*')];
  return {
    tags: all.map((e) => e.tagName.toLowerCase()),
    attrs: [...new Set(all.flatMap((e) => [...e.attributes].map((a) => a.name.toLowerCase())))],
    links: [...box.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent })),
    code: [...box.querySelectorAll('pre > code')].map((c) => ({ cls: c.className, text: c.textContent })),
    buttons: [...box.querySelectorAll('button')].map((b) => [b.type, b.getAttribute('aria-label'), b.textContent]),
    text: box.textContent,
    rest: (box.querySelector('.md-rest') || {}).textContent || null,
  };
})"""
FORBIDDEN = {"script", "img", "svg", "iframe", "object", "embed", "style", "link", "meta", "form", "input", "math",
             "video", "audio", "source", "base", "frame", "frameset", "template", "textarea", "select"}
ALLOWED_ATTRS = {"class", "href", "target", "rel", "title", "type", "aria-label", "start"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def safety_problems(name, facts):
    problems = []
    bad_tags = sorted(FORBIDDEN & set(facts["tags"]))
    if bad_tags:
        problems.append(f"{name}: elements {bad_tags}")
    odd = sorted(set(facts["attrs"]) - ALLOWED_ATTRS)
    if odd:
        problems.append(f"{name}: attributes {odd}")
    for link in facts["links"]:
        if not (link["href"] or "").lower().startswith(SAFE_SCHEMES):
            problems.append(f"{name}: link to {link['href']!r}")
        if not {"noopener", "noreferrer"} <= set(link["rel"].split()) or link["target"] != "_blank":
            problems.append(f"{name}: link without rel/target: {link}")
    return problems


def unit_checks(page):
    # (input, the text that must be visible): none of these may become an element, attribute or link.
    hostile = [(payload, payload) for payload in HOSTILE] + [
        ("[x](vbscript:msgbox(1))", None), ("[x](jav&#x61;script:alert(1))", None), ("[x](<javascript:alert(1)>)", None),
        ("[x](/relative/path)", None), ("[x](//evil.example/x)", None), ("[x](#top)", None), ("<javascript:alert(1)>", None),
        ("![x](javascript:alert(1))", None), ("![x](data:image/svg+xml,<svg onload=alert(1)>)", None),
        ("<iframe src=javascript:alert(1)></iframe>", None), ('<a href="javascript:alert(1)">x</a>', None),
        ("<math><mtext><img src=x onerror=alert(1)>", None), ("[x](java\nscript:alert(1))", "script:alert(1))"),
        ("[x](javascript&colon;alert(1))", None), ("<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">", None),
        ("**<img src=x onerror=alert(1)>**", "<img src=x onerror=alert(1)>"), ("`<script>alert(1)</script>`", "<script>alert(1)</script>"),
        ("```\"><img src=x onerror=alert(1)>\ncode\n```", "code"),
        ("| <img src=x onerror=alert(1)> | b |\n|---|---|\n| [x](javascript:alert(1)) | <svg onload=alert(1)> |",
         "<img src=x onerror=alert(1)>b[x](javascript:alert(1))<svg onload=alert(1)>"),
    ]
    facts = page.evaluate(INSPECT, [payload for payload, _ in hostile])
    summary["hostile_checked"] = len(hostile)
    for (payload, visible), fact in zip(hostile, facts):
        summary["unit_failures"] += safety_problems(repr(payload), fact)
        if fact["links"]:
            summary["unit_failures"].append(f"{payload!r}: became a link {fact['links']}")
        if (visible or payload) not in fact["text"]:
            summary["unit_failures"].append(f"{payload!r}: not visible as text, got {fact['text']!r}")
        if any(code["cls"] for code in fact["code"]):
            summary["unit_failures"].append(f"{payload!r}: code class {fact['code']}")

    normal = {
        "headings": ("# One\n## Two\n### Three ###\n#### Four\n##### Five\n###### Six\n####### seven", {"h1": 1, "h2": 1, "h3": 1, "h4": 1, "h5": 1, "h6": 1}),
        "setext": ("Title\n=====\nSub\n---", {"h1": 1, "h2": 1}),
        "inline": ("**b** *e* _e_ ***be*** ~~d~~ `c` snake_case_name 2 * 3 * 4", {"strong": 2, "em": 3, "del": 1, "code": 1}),
        "lists": ("- a\n- b\n  - b1\n  - b2\n- c\n\n3. x\n4. y", {"ul": 2, "ol": 1, "li": 7}),
        "table": ("| a | b |\n|:--|--:|\n| **1** | `2` |\n| 3 | [l](https://x.example) |", {"table": 1, "th": 2, "td": 4, "strong": 1, "code": 1, "a": 1}),
        "code": ("```python\nx = '<b>'\n```\n```c++ extra\ny\n```\n```\nplain\n```", {"pre": 3, "code": 3, "button": 3}),
        "quote": ("> q\n> > nested\n\n---\n\ntext  \nnext line", {"blockquote": 2, "hr": 1, "br": 1, "p": 3}),
        "links": ("[a](https://a.example/x_(y)) <https://b.example> <mailto:c@example.com> <d@example.com> https://e.example/f. ![img](https://g.example/p.png)", {"a": 6}),
    }
    results = page.evaluate(INSPECT, [text for text, _ in normal.values()])
    summary["normal"] = {}
    for (name, (_, expected)), fact in zip(normal.items(), results):
        summary["unit_failures"] += safety_problems(name, fact)
        counts = {tag: fact["tags"].count(tag) for tag in expected}
        summary["normal"][name] = counts
        if counts != expected:
            summary["unit_failures"].append(f"{name}: expected {expected}, got {counts} in {fact['tags']}")
    by = dict(zip(normal, results))
    summary["code_blocks"] = by["code"]["code"]
    summary["code_buttons"] = by["code"]["buttons"]
    summary["link_hrefs"] = [link["href"] for link in by["links"]["links"]]
    summary["image_link_text"] = by["links"]["links"][-1]["text"]
    summary["inline_text"] = by["inline"]["text"]
    summary["ordered_start"] = page.evaluate("() => { const d = document.createElement('div'); d.append(CairnMarkdown.render('3. x\\n4. y')); return d.querySelector('ol').start; }")

    # Partial input, as a stream shows it: every prefix of the hostile answer is safe, an open
    # fence is an open code block and an unclosed ** stays literal.
    prefixes = page.evaluate("""(doc) => {
      const problems = [];
      for (let end = 0; end <= doc.length; end += 1) {
        const box = document.createElement('div');
        box.append(CairnMarkdown.render(doc.slice(0, end)));
        for (const e of box.querySelectorAll('*')) {
          const bad = ['script', 'img', 'svg', 'iframe', 'object', 'embed'].includes(e.tagName.toLowerCase())
            || [...e.attributes].some((a) => a.name.toLowerCase().startsWith('on'))
            || (e.tagName === 'A' && !/^(https?:|mailto:)/i.test(e.getAttribute('href')));
          if (bad && problems.length < 5) problems.push(`${end}: ${e.outerHTML.slice(0, 80)}`);
        }
      }
      return { checked: doc.length + 1, problems };
    }""", ANSWER)
    summary["prefixes_checked"] = prefixes["checked"]
    summary["prefix_problems"] = prefixes["problems"]
    open_at = ANSWER.index("def greet") + len("def greet")
    open_fence = page.evaluate(INSPECT, [ANSWER[:open_at], "Some **bold and `code", "a" * 210000 + " **x** <img src=x onerror=alert(1)>"])
    summary["open_fence"] = open_fence[0]["code"]
    summary["unclosed"] = [open_fence[1]["tags"], open_fence[1]["text"]]
    capped = open_fence[2]
    summary["capped"] = {"tags": sorted(set(capped["tags"])), "rest_length": len(capped["rest"] or ""),
                         "rest_literal": (capped["rest"] or "").endswith("**x** <img src=x onerror=alert(1)>")}


# ---- (b): the chat page against the fake vendor ----

WATCH = """() => {
  window.__violations = [];
  const check = (node) => {
    if (node.nodeType !== 1) return;
    for (const e of [node, ...node.querySelectorAll('*')]) {
      const bad = ['script', 'img', 'svg', 'iframe', 'object', 'embed'].includes(e.tagName.toLowerCase())
        || [...e.attributes].some((a) => a.name.toLowerCase().startsWith('on'))
        || (e.tagName === 'A' && !/^(https?:|mailto:)/i.test(e.getAttribute('href') || ''));
      if (bad) window.__violations.push(e.outerHTML.slice(0, 120));
    }
  };
  new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(check)))
    .observe(document.getElementById('log'), { childList: true, subtree: true });
}"""

ANSWER_FACTS = """(md) => ({
  headings: [...md.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => [h.tagName.toLowerCase(), h.textContent]),
  items: md.querySelectorAll('li').length,
  nestedItems: md.querySelectorAll('li ol > li').length,
  th: [...md.querySelectorAll('th')].map((c) => c.textContent),
  td: md.querySelectorAll('td').length,
  code: [...md.querySelectorAll('pre > code')].map((c) => [c.className, c.textContent]),
  links: [...md.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.rel, a.target]),
  quote: md.querySelectorAll('blockquote').length,
  hr: md.querySelectorAll('hr').length,
  text: md.textContent,
  dangerous: md.querySelectorAll('script, img, svg, iframe, object, embed').length,
  onAttrs: [...md.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => /^on/i.test(n)),
})"""


def check_answer(facts):
    missing = [payload for payload in HOSTILE if payload not in facts["text"]]
    return {k: v for k, v in facts.items() if k != "text"} | {"hostile_missing": missing}


def end_to_end(page, context):
    status, login, _ = request(base, "POST", "/api/auth/login", {"email": "root@example.com", "password": "admin password 1"})
    admin = login["access_token"]
    vendor = ThreadingHTTPServer(("127.0.0.1", 0), Vendor)
    threading.Thread(target=vendor.serve_forever, daemon=True).start()
    port = vendor.server_address[1]
    summary["provider_saved"] = request(base, "PUT", "/api/admin/providers/fake-md", {
        "type": "openai", "base_url": f"http://127.0.0.1:{port}/v1", "api_key": "sk-test-markdown-0000", "model": "fake-md",
        "max_retries": 0, "timeout_ms": 10000}, admin)[0]
    summary["agent_saved"] = request(base, "PUT", "/api/admin/agents/assistant", {
        "description": "Answers through the fake vendor", "kind": "chat", "provider": ["fake-md"], "tools": []}, admin)[0]

    page.goto(base + "/")
    sign_up(page, "Mara", "mara@example.com")
    page.evaluate(WATCH)

    page.get_by_label("Message").fill(USER_INPUT)
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".bubble.assistant .md").last
    expect(answer.locator("blockquote")).to_be_visible(timeout=20000)
    expect(answer).to_contain_text("Done: https://cairn.example/ok", timeout=20000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=10000)

    user = page.locator(".bubble.user .text").last
    summary["user_text_exact"] = user.evaluate("(node) => node.textContent") == USER_INPUT
    summary["user_elements"] = user.evaluate("(node) => node.querySelectorAll('*').length")
    summary["user_white_space"] = user.evaluate("(node) => getComputedStyle(node).whiteSpace")
    summary["live"] = check_answer(answer.evaluate(ANSWER_FACTS))

    # Copy: the button fills the clipboard with the code and says so.
    copy = answer.get_by_role("button", name="Copy code")
    copy.click()
    expect(answer.locator(".md-copy")).to_have_text("Copied", timeout=5000)
    summary["clipboard_is_code"] = page.evaluate("() => navigator.clipboard.readText()") == CODE
    expect(answer.locator(".md-copy")).to_have_text("Copy", timeout=5000)

    page.set_viewport_size({"width": 1280, "height": 1400})
    shot(page.locator(".bubble.user").last, "user")
    shot(page.locator(".bubble.assistant").last, "light")
    page.emulate_media(color_scheme="dark")
    shot(page.locator(".bubble.assistant").last, "dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    answer.locator(".md-table").scroll_into_view_if_needed()
    summary["phone_page_overflow"] = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    summary["phone_table_scrolls"] = answer.locator(".md-table").evaluate("(node) => node.scrollWidth > node.clientWidth")
    summary["phone_code_scrolls"] = answer.locator(".md-code pre").evaluate("(node) => node.scrollWidth > node.clientWidth")
    summary["phone_bubble_fits"] = page.locator(".bubble.assistant").last.evaluate(
        "(node) => node.getBoundingClientRect().right <= window.innerWidth")
    shot(page, "phone")
    page.emulate_media(color_scheme="dark")
    shot(page, "phone-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 2400})  # the whole answer, at phone width
    shot(page.locator(".bubble.assistant").last, "phone-answer")
    page.set_viewport_size({"width": 1280, "height": 900})

    # History: the stored answer renders the same way when the thread is opened again.
    page.get_by_role("button", name="New thread").click()
    expect(page.locator(".bubble")).to_have_count(0)
    page.locator("#thread-list button.thread").first.click()
    stored = page.locator(".bubble.assistant .md").last
    expect(stored.locator("table")).to_be_visible(timeout=10000)
    summary["history"] = check_answer(stored.evaluate(ANSWER_FACTS))
    summary["history_user_exact"] = page.locator(".bubble.user .text").last.evaluate("(node) => node.textContent") == USER_INPUT

    summary["violations"] = page.evaluate("window.__violations")
    summary["pwned"] = page.evaluate("typeof window.__pwned")
    vendor.shutdown()


with sync_playwright() as pw:
    browser = launch_chromium(pw)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    record_errors(page, summary["errors"])

    def on_dialog(dialog):
        summary["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(base + "/")
    page.wait_for_function("() => window.CairnMarkdown && typeof window.CairnMarkdown.render === 'function'")
    summary["frozen"] = page.evaluate("Object.isFrozen(window.CairnMarkdown)")
    unit_checks(page)
    end_to_end(page, context)
    browser.close()
print(json.dumps(summary))
