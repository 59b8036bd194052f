"""What the Playwright clients (browser_*.py) share: API calls made outside the browser, the
screenshots folder, Chromium, and a page's errors collected for the summary.

The clients run as `python <folder>/browser_x.py <base url>` from any working directory; Python puts
the script's own folder first on sys.path, so `from browser_support import ...` finds this file."""
import json
import os
import urllib.error
import urllib.request

from playwright.sync_api import expect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCREENSHOTS = os.environ.get("CAIRN_SCREENSHOTS") or os.path.join(ROOT, ".build", "screenshots")


def request(base, method, path, body=None, token=None):
    """(status, answer, content type) of an API call to the server at `base`, made outside the
    browser; never raises for an HTTP status. The answer is the parsed JSON when the server says it
    is JSON, None when the body is empty, else the text."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raw, status, kind = error.read(), error.code, error.headers.get("Content-Type", "")
    if not raw:
        return status, None, kind
    if "json" in kind:
        return status, json.loads(raw), kind
    return status, raw.decode("utf-8", "replace"), kind


class Shots:
    """Screenshots saved as $CAIRN_SCREENSHOTS/<prefix><name>.png (by default
    <repo>/.build/screenshots, git-ignored), each path listed in summary["screenshots"]."""

    def __init__(self, summary, prefix, **options):
        """`options` go to every screenshot() call (full_page=True, say)."""
        self.summary, self.prefix, self.options = summary, prefix, options
        os.makedirs(SCREENSHOTS, exist_ok=True)

    def __call__(self, target, name, **options):
        """Saves a screenshot of `target` (a page, or a locator for one element); returns its path."""
        path = os.path.join(SCREENSHOTS, f"{self.prefix}{name}.png")
        target.screenshot(path=path, **(self.options | options))
        self.summary["screenshots"].append(path)
        return path


def launch_chromium(playwright):
    """Headless Chromium ($CAIRN_CHROMIUM, by default /usr/bin/chromium), without its sandbox."""
    return playwright.chromium.launch(executable_path=os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])


def record_errors(page, errors, prefix="", console=lambda message: True):
    """Appends to the list `errors`, each led by `prefix`, the page's uncaught exceptions and its
    console messages of type error that console(message) keeps; console=None records exceptions only."""
    if console is not None:
        def where(message):
            # A failed load names the resource, so a stray 401 says which request it was.
            url = (message.location or {}).get("url") or ""
            return f" ({url})" if url else ""
        page.on("console", lambda message: errors.append(prefix + message.text + where(message))
                if message.type == "error" and console(message) else None)
    page.on("pageerror", lambda error: errors.append(prefix + str(error)))


def sign_up(page, name, email, password="correct horse battery"):
    """Creates an account with the chat page's sign-up form (the sign-in form must be showing) and
    waits for the chat."""
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#chat-view")).to_be_visible(timeout=10000)
