"""Drives the admin console of a running cairn in headless Chromium: signs in as the
administrator created on the command line and goes through every section (dashboard figures,
circuit breakers, configuration with history and revert, users with disable, quota and
password-reset link, runs with timeline and cancel, usage, audit log with CSV download, backups,
sign-in providers), checking each action's effect through the API. Sign-in through OpenID Connect
runs against a real provider (oidc-provider-mock, started here with the Python in
$CAIRN_OIDC_PYTHON): a provider added in the console's form, then "Sign in with …" on the chat
page and the console in fresh browsers. Saves a screenshot of every section (desktop and
phone width) into $CAIRN_SCREENSHOTS, by default .build/screenshots (git-ignored). Prints a JSON
summary; a section whose API the server does not offer yet is listed under "unavailable"."""
import atexit
import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import expect, sync_playwright

from browser_support import ROOT, Shots, launch_chromium, record_errors, request

base = sys.argv[1]


def call(method, path, body=None, token=None):
    """The answer of an API call that must succeed."""
    status, answer, _ = request(base, method, path, body, token)
    if status >= 400:
        raise RuntimeError(f"{method} {path} answered {status}: {answer}")
    return answer


def route_missing(status, answer):
    return status == 404 and isinstance(answer, dict) and "no route" in json.dumps(answer)


# A provider (never called) gives the console a breaker to show.
token = call("POST", "/api/auth/login", {"email": "root@example.com", "password": "admin password 1"})["access_token"]
call("PUT", "/api/admin/providers/local", {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m"}, token)

# Two ordinary users: one to disable, one to give a quota of one run a day.
for email in ("victim@example.com", "quota@example.com"):
    call("POST", "/api/auth/register", {"email": email, "password": "user password 1", "name": email.split("@")[0].title()})

summary = {"errors": [], "unavailable": [], "dialogs": [], "screenshots": [], "overflow": []}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# A real OpenID Connect provider, and the people it signs in (claims set through its /users API).
oidc_port = free_port()
oidc_issuer = f"http://127.0.0.1:{oidc_port}"
oidc = subprocess.Popen([os.environ.get("CAIRN_OIDC_PYTHON") or os.path.join(ROOT, ".build", "oidc-venv", "bin", "python"),
                         "-m", "oidc_provider_mock", "--port", str(oidc_port), "--require-nonce", "true"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_oidc():
    if oidc.poll() is None:
        oidc.send_signal(signal.SIGKILL)  # its development server ignores SIGTERM
        oidc.wait()


atexit.register(stop_oidc)  # also when a check below fails

def oidc_user(sub, claims):
    req = urllib.request.Request(f"{oidc_issuer}/users/{sub}", method="PUT", data=json.dumps(claims).encode())
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as response:
        if response.status != 204:
            raise RuntimeError(f"PUT /users/{sub} answered {response.status}")


deadline = time.monotonic() + 20
while True:
    try:
        with urllib.request.urlopen(oidc_issuer + "/.well-known/openid-configuration", timeout=2) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if oidc.poll() is not None or time.monotonic() > deadline:
        stop_oidc()
        raise SystemExit(f"the OIDC provider did not start on port {oidc_port}")
    time.sleep(0.1)
oidc_user("alice", {"email": "alice@example.com", "email_verified": True, "name": "Alice Provider"})
oidc_user("mallory", {"email": "mallory@example.com", "email_verified": False, "name": "Mallory"})
oidc_user("root", {"email": "root@example.com", "email_verified": True, "name": "Root"})

# Which of the console's routes this server has (the rest are written against docs/API.md).
probes = {
    "settings": request(base, "GET", "/api/admin/settings", token=token),
    "settings_history": request(base, "GET", "/api/admin/settings/history", token=token),
    "runs": request(base, "GET", "/api/admin/runs", token=token),
    "users": request(base, "GET", "/api/admin/users?q=quota", token=token),
    "audit_csv": request(base, "GET", "/api/admin/audit?format=csv&limit=1", token=token),
    "sign_in_providers": request(base, "GET", "/api/admin/auth-providers", token=token),
}
have = {name: not route_missing(status, answer) and status < 400 for name, (status, answer, _) in probes.items()}
users_probe = probes["users"][1]
have["quota"] = bool(isinstance(users_probe, dict) and users_probe.get("items") and "usage" in users_probe["items"][0])
have["audit_csv"] = have["audit_csv"] and "text/csv" in probes["audit_csv"][2]
summary["unavailable"] = sorted(name for name, ok in have.items() if not ok)


admin_shot = Shots(summary, "admin-")
chat_shot = Shots(summary, "chat-")


def shot(page, name):
    # Tables scroll inside their .table-wrap; the page itself must not be wider than the window.
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 1:
        summary["overflow"].append(f"{name}: {wide}px")
    # The section scrolls inside .content, so a full-page shot needs a window as tall as the section.
    size = page.viewport_size
    tall = page.evaluate("(() => { const c = document.querySelector('#console-view:not([hidden]) .content');"
                         " return c ? c.scrollHeight + c.getBoundingClientRect().top + 4 : 0; })()")
    page.set_viewport_size({"width": size["width"], "height": int(min(max(size["height"], tall), 8000))})
    admin_shot(page, name, full_page=True)
    page.set_viewport_size(size)


def panel_shot(locator, name):
    """One panel on its own, legible (the section's full-page shot is 8000 px tall)."""
    page = locator.page
    # As in shot(): the section scrolls inside .content, so the window grows to show the whole panel.
    size = page.viewport_size
    tall = page.evaluate("(() => { const c = document.querySelector('#console-view:not([hidden]) .content');"
                         " return c ? c.scrollHeight + c.getBoundingClientRect().top + 4 : 0; })()")
    page.set_viewport_size({"width": size["width"], "height": int(min(max(size["height"], tall), 8000))})
    admin_shot(locator, name)
    page.set_viewport_size(size)


def visit(page, link, heading):
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.locator("#section-title")).to_have_text(heading)
    expect(page.locator("#section-body")).not_to_contain_text("Loading…", timeout=10000)




def own_errors(page, where):
    """Console errors and exceptions of `page` on this server (not the provider's pages)."""
    record_errors(page, summary["errors"], f"{where}: ", console=lambda message: message.location.get("url", "").startswith(base))


def sign_in_at_provider(page, button, sub):
    """Clicks "Sign in with …", signs in as `sub` on the provider's own form, and waits to be back."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url(re.compile("^" + re.escape(oidc_issuer) + "/oauth2/authorize"), timeout=15000)
    page.locator('input[name="sub"]').fill(sub)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(re.compile("^" + re.escape(base) + "/"), timeout=15000)


def providers_and_agents(page):
    """Agents (Providers & agents): an offline provider added in the form (a value out of range is
    refused beside its field first), its Test connection, a failing one's reason in words, the
    assistant agent edited (its version goes up), and the provider deleted after a confirmation."""
    visit(page, "Agents", "Providers & agents")
    expect(page.locator('tr[data-provider="offline"]')).to_contain_text("built-in", timeout=10000)
    expect(page.locator('tr[data-provider="offline"]').get_by_role("button", name="Delete provider offline")).to_have_count(0)
    page.get_by_role("button", name="Add provider", exact=True).click()
    form = page.locator('form[aria-label="New provider"]')
    form.get_by_label("Provider name", exact=True).fill("slowpoke")
    form.get_by_label("Type", exact=True).select_option("offline")
    form.get_by_label("Chunk delay (ms)", exact=True).fill("99999999")
    form.get_by_role("button", name="Create provider", exact=True).click()
    reason = form.locator('[data-field="options.chunk_delay_ms"] .row-message')
    expect(reason).to_contain_text("Chunk delay (ms):", timeout=10000)
    summary["agents_provider_422"] = reason.inner_text()
    form.get_by_label("Chunk delay (ms)", exact=True).fill("5")
    form.get_by_role("button", name="Create provider", exact=True).click()
    row = page.locator('tr[data-provider="slowpoke"]')
    expect(row).to_contain_text("Offline", timeout=10000)
    expect(page.locator("#section-body p.status", has_text="Provider slowpoke added")).to_be_visible()
    saved = call("GET", "/api/admin/providers/slowpoke", token=token)
    summary["agents_provider_saved"] = [saved["type"], saved["options"]]
    if saved["type"] != "offline" or saved["options"].get("chunk_delay_ms") != 5:
        raise RuntimeError(f"slowpoke was saved as {saved}")

    row.get_by_role("button", name="Test connection of slowpoke", exact=True).click()
    result = page.locator('tr[data-provider="slowpoke"] + tr.detail .test-result')
    expect(result).to_have_attribute("data-ok", "true", timeout=15000)
    expect(result).to_contain_text("answered in")
    summary["agents_test_ok"] = result.inner_text()
    # The never-started provider "local": the failure in words.
    page.locator('tr[data-provider="local"]').get_by_role("button", name="Test connection of local", exact=True).click()
    failed = page.locator('tr[data-provider="local"] + tr.detail .test-result')
    expect(failed).to_have_attribute("data-ok", "false", timeout=30000)
    summary["agents_test_failed"] = failed.inner_text()

    before = next(a for a in call("GET", "/api/admin/agents", token=token)["items"] if a["name"] == "assistant")
    agent_row = page.locator('tr[data-agent="assistant"]')
    agent_row.get_by_role("button", name="Edit agent assistant", exact=True).click()
    agent_form = page.locator('form[aria-label="Edit agent assistant"]')
    agent_form.get_by_label("Description", exact=True).fill("The default agent, edited in the console")
    agent_form.get_by_role("button", name="Save agent", exact=True).click()
    version = str((before.get("version") or 0) + 1)
    expect(page.locator('tr[data-agent="assistant"]')).to_have_attribute("data-version", version, timeout=10000)
    expect(page.locator("#section-body p.status", has_text="Agent assistant saved as version " + version)).to_be_visible()
    after = next(a for a in call("GET", "/api/admin/agents", token=token)["items"] if a["name"] == "assistant")
    summary["agents_versions"] = [before.get("version"), after.get("version")]
    if after["description"] != "The default agent, edited in the console" or after.get("tools") != before.get("tools"):
        raise RuntimeError(f"assistant was saved as {after} (before: {before})")
    shot(page, "agents")

    page.locator('tr[data-provider="slowpoke"]').get_by_role("button", name="Delete provider slowpoke", exact=True).click()
    expect(page.locator('tr[data-provider="slowpoke"]')).to_have_count(0, timeout=10000)
    expect(page.locator("#section-body p.status", has_text="Provider slowpoke deleted")).to_be_visible()
    summary["agents_delete_confirmed"] = any("slowpoke" in message for message in summary["dialogs"])
    summary["agents_deleted_status"] = request(base, "GET", "/api/admin/providers/slowpoke", token=token)[0]
    if not summary["agents_delete_confirmed"] or summary["agents_deleted_status"] != 404:
        raise RuntimeError("slowpoke was not deleted after a confirmation")

    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    shot(page, "agents-phone-dark")
    page.set_viewport_size(size)
    page.emulate_media(color_scheme="light")


with sync_playwright() as pw:
    browser = launch_chromium(pw)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    # Routes this server does not have yet answer 404 (the console says so) and the deliberate
    # invalid setting answers 422; the browser logs both as console errors, which are not page failures.
    record_errors(page, summary["errors"], console=lambda message: "status of 404" not in message.text and "status of 422" not in message.text)

    def confirm(dialog):
        summary["dialogs"].append(dialog.message)
        dialog.accept()
    page.on("dialog", confirm)

    # A second tab, for requests made with the browser's fetch outside the console.
    probe = context.new_page()
    probe.goto(base + "/openapi.json")

    def fetch_status(path, body):
        return probe.evaluate("""async ([path, body]) => (await fetch(path, {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})).status""", [path, body])

    page.goto(base + "/admin/")
    page.get_by_label("Email").fill("root@example.com")
    page.get_by_label("Password").fill("admin password 1")
    page.get_by_role("button", name="Sign in").click()

    # ---- Dashboard: the health figures as cards, and the live charts ----
    expect(page.locator(".figure-card").first).to_be_visible(timeout=10000)
    expect(page.locator('[data-figure="uptime_seconds"]')).to_contain_text("Uptime")
    summary["dashboard_figures"] = page.locator(".figure-card").count()
    summary["dashboard_charts"] = page.locator(".chart svg.sparkline").count()
    # A second reading (every 5 s) arrives without a reload and extends the charts.
    chart = page.locator('.chart[data-series="sockets_open"]')
    expect(chart).to_have_attribute("data-readings", re.compile(r"^([2-9]|\d\d+)$"), timeout=20000)
    summary["dashboard_points"] = int(chart.get_attribute("data-readings"))
    shot(page, "dashboard")

    # ---- Circuit breakers ----
    visit(page, "Circuit breakers", "Circuit breakers")
    row = page.locator('tr[data-name="provider:local"]')
    expect(row).to_contain_text("CLOSED", timeout=10000)
    page.get_by_role("button", name="Force open provider:local").click()
    expect(page.locator('tr[data-name="provider:local"]')).to_contain_text("FORCED_OPEN", timeout=10000)
    expect(page.get_by_role("status")).to_contain_text("provider:local is now FORCED_OPEN")
    summary["forced_open_via_api"] = call("GET", "/api/admin/breakers/provider:local", token=token)["state"]
    shot(page, "breakers")
    page.get_by_role("button", name="Reset provider:local").click()
    expect(page.locator('tr[data-name="provider:local"]')).to_contain_text("CLOSED", timeout=10000)
    summary["after_reset"] = call("GET", "/api/admin/breakers/provider:local", token=token)["state"]

    # ---- Configuration: close registration, see it refused, find it in History, revert ----
    visit(page, "Configuration", "Configuration")
    if have["settings"]:
        registration = page.locator('tr[data-key="auth.registration"]')
        expect(registration).to_be_visible(timeout=10000)
        registration.get_by_label("Value of auth.registration").select_option("closed")
        registration.get_by_role("button", name="Save auth.registration").click()
        expect(page.locator("#section-body p.status")).to_contain_text("auth.registration is now closed", timeout=10000)
        expect(page.locator('tr[data-key="auth.registration"]')).to_contain_text("runtime")
        summary["register_when_closed"] = fetch_status("/api/auth/register", {"email": "late@example.com", "password": "user password 1"})
        # A value out of range is refused by the server and explained beside the row.
        delay = page.locator('tr[data-key="agents.offline_chunk_delay_ms"]')
        delay.get_by_label("Value of agents.offline_chunk_delay_ms").fill("99999999")
        delay.get_by_role("button", name="Save agents.offline_chunk_delay_ms").click()
        expect(delay.locator(".row-message")).to_contain_text("Not saved", timeout=10000)
        summary["validation_message"] = delay.locator(".row-message").inner_text()
        if have["settings_history"]:
            change = page.locator("#section-body tr[data-id]", has_text="auth.registration").first
            expect(change).to_contain_text("closed", timeout=10000)
            summary["history_shows_change"] = True
            shot(page, "settings")
            change.get_by_role("button", name="Revert").click()
            expect(page.locator("#section-body p.status")).to_contain_text("Reverted auth.registration", timeout=10000)
            expect(page.locator('tr[data-key="auth.registration"]').get_by_label("Value of auth.registration")).to_have_value("open")
            summary["register_after_revert"] = fetch_status("/api/auth/register", {"email": "later@example.com", "password": "user password 1"})
        else:
            shot(page, "settings")
    else:
        expect(page.locator("#section-body")).to_contain_text("not available on this server yet")
        shot(page, "settings")

    # ---- Users: approve a pending one, disable one (who can then not sign in), a quota of one run a day, a reset link ----
    if have["settings"]:
        call("PATCH", "/api/admin/settings", {"auth.registration": "approval"}, token)
        summary["register_pending"] = request(base, "POST", "/api/auth/register", {"email": "pending@example.com", "password": "user password 1"})[0]
        call("PATCH", "/api/admin/settings", {"auth.registration": None}, token)
    visit(page, "Users", "Users")
    if have["settings"]:
        page.get_by_label("Status").select_option("pending")
        pending = page.locator('tr[data-email="pending@example.com"]')
        expect(pending).to_contain_text("pending", timeout=10000)
        pending.get_by_role("button", name="Approve: pending@example.com").click()
        expect(page.locator("#section-body p.status")).to_contain_text("pending@example.com is approved", timeout=10000)
        summary["login_after_approval"] = request(base, "POST", "/api/auth/login", {"email": "pending@example.com", "password": "user password 1"})[0]
        page.get_by_label("Status").select_option("")
    page.get_by_label("Search users").fill("victim")
    victim = page.locator('tr[data-email="victim@example.com"]')
    expect(victim).to_be_visible(timeout=10000)
    expect(page.locator('tr[data-email="quota@example.com"]')).to_have_count(0)
    victim.get_by_role("button", name="Disable: victim@example.com").click()
    expect(page.locator('tr[data-email="victim@example.com"]')).to_contain_text("disabled", timeout=10000)
    summary["disabled_login"] = request(base, "POST", "/api/auth/login", {"email": "victim@example.com", "password": "user password 1"})[0]
    page.get_by_label("Search users").fill("")
    page.get_by_label("Status").select_option("disabled")
    expect(page.locator("#section-body tbody tr[data-id]")).to_have_count(1, timeout=10000)
    page.get_by_label("Status").select_option("")
    expect(page.locator('tr[data-email="quota@example.com"]')).to_be_visible(timeout=10000)
    quota_user = page.locator('tr[data-email="quota@example.com"]')
    if have["quota"]:
        quota_user.get_by_role("button", name="Quota: quota@example.com").click()
        page.get_by_label("Runs per day").fill("1")
        page.get_by_role("button", name="Save quota").click()
        expect(page.locator("#section-body p.status")).to_contain_text("quota@example.com: quota override saved", timeout=10000)
        user_token = call("POST", "/api/auth/login", {"email": "quota@example.com", "password": "user password 1"})["access_token"]
        thread = call("POST", "/api/threads", {"title": "quota"}, user_token)["id"]
        first = request(base, "POST", f"/api/threads/{thread}/runs", {"input": "What is 2+3?"}, user_token)
        second = request(base, "POST", f"/api/threads/{thread}/runs", {"input": "What is 2+4?"}, user_token)
        summary["quota_runs"] = [first[0], second[0], second[1]["error"]["code"] if isinstance(second[1], dict) and "error" in second[1] else None]
        page.locator('tr[data-email="quota@example.com"]').get_by_role("button", name="Reset password: quota@example.com").click()
        link = page.locator("input.reset-link")
        # The contract says /reset#<token>; this server answers /#reset=<token>: either is an absolute link on this host.
        expect(link).to_have_value(re.compile(r"^" + re.escape(base) + r"/.*reset.+"), timeout=10000)
        summary["reset_link"] = link.input_value()
        # The user opens the link (in their own browser) and chooses a new password on the chat page.
        user_context = browser.new_context()
        user_page = user_context.new_page()
        record_errors(user_page, summary["errors"], console=None)
        user_page.goto(summary["reset_link"])
        user_page.get_by_label("New password", exact=True).fill("brand new password 2")
        user_page.get_by_label("New password again").fill("brand new password 2")
        user_page.get_by_role("button", name="Set password").click()
        expect(user_page.locator("#signin-status")).to_contain_text("Your password is changed", timeout=10000)
        summary["reset_token_left_url"] = "reset" not in user_page.url
        summary["login_after_reset"] = [
            request(base, "POST", "/api/auth/login", {"email": "quota@example.com", "password": "user password 1"})[0],
            request(base, "POST", "/api/auth/login", {"email": "quota@example.com", "password": "brand new password 2"})[0]]
        user_context.close()

    # ---- Users: one user's sessions and API key, each revoked on its own after a confirmation ----
    registered = call("POST", "/api/auth/register", {"email": "access@example.com", "password": "user password 1", "name": "Access"})
    access_tokens = [registered["access_token"],
                     call("POST", "/api/auth/login", {"email": "access@example.com", "password": "user password 1"})["access_token"]]
    own = call("GET", "/api/auth/sessions", token=access_tokens[0])["items"]
    revoked_session = next(s["id"] for s in own if s.get("current"))
    kept_session = next(s["id"] for s in own if not s.get("current"))
    access_key = call("POST", "/api/keys", {"name": "nightly-ci", "scopes": ["read"]}, access_tokens[1])
    page.get_by_label("Search users").fill("access@")
    access_row = page.locator('tr[data-email="access@example.com"]')
    expect(access_row).to_be_visible(timeout=10000)
    toggle = access_row.get_by_role("button", name="Sessions & keys: access@example.com", exact=True)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    access = page.locator("tr.access-detail")
    expect(access.locator("tr[data-session]")).to_have_count(2, timeout=10000)
    expect(access.locator("tr[data-key]")).to_have_count(1)
    summary["access_listed"] = sorted(access.locator("tr[data-session]").evaluate_all("rows => rows.map(r => r.dataset.session)"))
    summary["access_expected"] = sorted([revoked_session, kept_session])
    summary["access_revoked"] = [revoked_session, access_key["id"]]
    summary["access_key_row"] = access.locator(f'tr[data-key="{access_key["id"]}"]').inner_text()
    summary["access_headings"] = access.locator("h3").all_inner_texts()
    panel_shot(access, "users-access-panel")
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    panel_shot(access, "users-access-panel-phone")
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 1:
        summary["overflow"].append(f"users-access-panel-phone: {wide}px")
    page.set_viewport_size(size)
    dialogs_before = len(summary["dialogs"])
    access.locator(f'tr[data-session="{revoked_session}"]').get_by_role("button", name=re.compile("^Revoke session")).click()
    expect(access.locator(f'tr[data-session="{revoked_session}"]')).to_have_count(0, timeout=10000)
    expect(access.locator("p.status")).to_contain_text("Session of access@example.com from", timeout=10000)
    expect(access.locator("tr[data-session]")).to_have_count(1)
    access.locator(f'tr[data-key="{access_key["id"]}"]').get_by_role("button", name="Revoke API key nightly-ci", exact=True).click()
    expect(access.locator("tr[data-key]")).to_have_count(0, timeout=10000)
    expect(access).to_contain_text("No API keys.")
    summary["access_status"] = access.locator("p.status").inner_text()
    summary["access_dialogs"] = summary["dialogs"][dialogs_before:]
    summary["access_after"] = [request(base, "GET", "/api/auth/me", token=t)[0] for t in access_tokens] + \
        [request(base, "GET", "/api/threads", token=access_key["key"])[0]]
    summary["access_audit"] = [e["target"] for e in call("GET", "/api/admin/audit?action=admin.session_revoked", token=token)["items"]] + \
        [e["target"] for e in call("GET", "/api/admin/audit?action=admin.api_key_revoked", token=token)["items"]]
    panel_shot(access, "users-access-panel-after")
    shot(page, "users")

    # ---- Runs: a slow run is listed live, its timeline shows events, and Cancel stops it ----
    slow = have["runs"] and have["settings"]
    if slow:
        call("PATCH", "/api/admin/settings", {"agents.offline_chunk_delay_ms": 500}, token)
        thread = call("POST", "/api/threads", {"title": "slow"}, token)["id"]
        run = call("POST", f"/api/threads/{thread}/runs", {"input": "Tell me a long story " + "about cairns on hills " * 20}, token)["id"]
    visit(page, "Runs", "Runs")
    if slow:
        run_row = page.locator(f'tr[data-id="{run}"]')
        expect(run_row).to_have_attribute("data-status", re.compile("queued|running"), timeout=10000)
        run_row.get_by_role("button", name=f"Events of run {run}").click()
        expect(page.locator(".timeline li.event").first).to_be_visible(timeout=10000)
        time.sleep(1.5)
        summary["timeline_events"] = page.locator(".timeline li.event").count()
        page.locator(f'tr[data-id="{run}"]').get_by_role("button", name=f"Cancel run {run}").click()
        expect(page.locator(f'tr[data-id="{run}"]')).to_have_attribute("data-status", "cancelled", timeout=20000)
        summary["cancelled_via_api"] = call("GET", f"/api/runs/{run}", token=token)["status"]
        # Filtered by a user's email: only that user's runs.
        page.get_by_label("User").fill("quota@example.com")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(f'tr[data-id="{run}"]')).to_have_count(0, timeout=10000)
        summary["runs_filtered_users"] = sorted(set(page.locator("#section-body tbody tr[data-id] .person").all_inner_texts()))
        call("PATCH", "/api/admin/settings", {"agents.offline_chunk_delay_ms": None}, token)
    elif not have["runs"]:
        expect(page.locator("#section-body")).to_contain_text("not available on this server yet")
    shot(page, "runs")

    # ---- Usage: grouped, sortable ----
    visit(page, "Usage", "Usage")
    expect(page.locator("#section-body p.status:not(:empty), #section-body .error:not([hidden])").first).to_be_visible(timeout=10000)
    page.get_by_label("Group by").select_option("provider")
    expect(page.locator("#section-body p.status")).to_contain_text("grouped by provider", timeout=10000)
    sort = page.locator("button.sort", has_text="Input tokens")
    if sort.count():
        sort.click()
        expect(page.locator("th[aria-sort]")).to_contain_text("Input tokens")
        summary["usage_sorted"] = page.locator("th[aria-sort]").get_attribute("aria-sort")
    shot(page, "usage")

    # ---- Audit log: the setting change with who made it, and the CSV download ----
    visit(page, "Audit log", "Audit log")
    expect(page.locator("#section-body")).to_contain_text("admin.breaker_reset", timeout=10000)
    summary["audited"] = "admin.breaker_force_open" in page.locator("#section-body").inner_text()
    if have["settings"]:
        page.get_by_label("Action").fill("admin.setting_changed")
        page.get_by_role("button", name="Filter").click()
        entry = page.locator('tr[data-action="admin.setting_changed"]', has_text="auth.registration").first
        expect(entry).to_be_visible(timeout=10000)
        summary["audit_setting_change"] = True
        summary["audit_actor_shown"] = entry.locator(".person").inner_text()
    if have["audit_csv"]:
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download CSV").click()
        download = download_info.value
        rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
        summary["csv_header"] = rows[0] if rows else []
        summary["csv_rows"] = len(rows) - 1
        summary["csv_name"] = download.suggested_filename
    shot(page, "audit")

    # ---- Backups: take one; it is listed as verified, with a download that works ----
    visit(page, "Backups", "Backups")
    expect(page.locator("#section-body")).to_contain_text("No backups yet", timeout=10000)
    page.get_by_role("button", name="Back up now").click()
    expect(page.get_by_role("status")).to_contain_text("written and verified", timeout=30000)
    backup_row = page.locator("tr[data-id]").first
    expect(backup_row).to_contain_text("verified")
    expect(backup_row).to_contain_text("manual")
    with page.expect_download() as download_info:
        backup_row.get_by_role("button", name="Download", exact=False).first.click()
    download = download_info.value
    header = open(download.path(), "rb").read(16)
    summary["downloaded_sqlite"] = header == b"SQLite format 3\x00"
    listed = call("GET", "/api/admin/backups", token=token)["items"]
    summary["backups_listed"] = [(item["trigger"], item["verified"], item["file_exists"]) for item in listed]
    shot(page, "backups")

    providers_and_agents(page)

    # ---- Sign-in providers: add one in Configuration, then sign in with it on the chat page and the console ----
    if have["sign_in_providers"]:
        visit(page, "Configuration", "Configuration")
        providers_panel = page.locator("section.panel", has=page.locator("#providers-title"))
        expect(providers_panel).to_contain_text("No sign-in providers yet", timeout=10000)
        page.get_by_label("Provider id", exact=True).fill("mock")
        page.get_by_label("Type", exact=True).select_option("oidc")
        page.get_by_label("Button name", exact=True).fill("Mock")
        page.get_by_label("Client id", exact=True).fill("cairn")
        page.get_by_label("Client secret", exact=True).fill("s3cret")
        # Without an issuer the server answers 422; the reason shows beside the field.
        page.get_by_role("button", name="Add provider", exact=True).click()
        expect(page.locator("#ap-issuer-problem")).to_contain_text("is required", timeout=10000)
        summary["provider_validation"] = page.locator("#ap-issuer-problem").inner_text()
        panel_shot(providers_panel, "settings-provider-form-422")
        page.get_by_label("Issuer URL", exact=True).fill(oidc_issuer)
        page.get_by_role("button", name="Add provider", exact=True).click()
        expect(providers_panel.locator(".provider-status")).to_contain_text("Sign-in provider mock added", timeout=10000)
        mock_row = page.locator('tr[data-provider="mock"]')
        expect(mock_row).to_contain_text(oidc_issuer)
        summary["provider_callback"] = mock_row.locator("code.callback").inner_text()
        # Edited with the secret left empty: the stored one is kept (the sign-in below needs it).
        mock_row.get_by_role("button", name="Edit Mock", exact=True).click()
        expect(page.get_by_label("Client secret", exact=True)).to_have_attribute("placeholder", "leave empty to keep")
        page.get_by_label("Button name", exact=True).fill("Mock IdP")
        page.get_by_role("button", name="Save provider", exact=True).click()
        expect(providers_panel.locator(".provider-status")).to_contain_text("Sign-in provider mock saved", timeout=10000)
        expect(page.locator('tr[data-provider="mock"]')).to_contain_text("Mock IdP")
        saved = call("GET", "/api/admin/auth-providers", token=token)["items"]
        summary["provider_saved"] = [[p["id"], p["type"], p["name"], p["issuer"], p["client_id"]] for p in saved]
        panel_shot(providers_panel, "settings-providers-panel")
        shot(page, "settings-providers")

        # The chat page, in a browser of its own: the provider's button, its form, and back signed in.
        person_context = browser.new_context(viewport={"width": 1280, "height": 900})
        person = person_context.new_page()
        own_errors(person, "chat page")
        person.goto(base + "/")
        expect(person.get_by_role("button", name="Sign in with Mock IdP", exact=True)).to_be_visible(timeout=10000)
        chat_shot(person, "signin-providers")
        sign_in_at_provider(person, "Sign in with Mock IdP", "alice")
        expect(person.locator("#who")).to_have_text("Alice Provider", timeout=15000)
        expect(person.locator("#chat-view")).to_be_visible()
        summary["oidc_signed_in_as"] = person.locator("#who").get_attribute("title")
        summary["oidc_url_after"] = person.url
        summary["oidc_hash_after"] = person.evaluate("location.hash")
        summary["oidc_me"] = person.evaluate("async () => (await CairnAuth.api('GET', '/api/auth/me')).email")
        chat_shot(person, "signed-in-with-provider")
        # An account whose email the provider has not verified is refused, in words.
        person.get_by_role("button", name="Sign out", exact=True).click()
        expect(person.get_by_role("button", name="Sign in with Mock IdP", exact=True)).to_be_visible(timeout=10000)
        sign_in_at_provider(person, "Sign in with Mock IdP", "mallory")
        expect(person.locator("#signin-error")).to_be_visible(timeout=15000)
        summary["oidc_unverified_error"] = person.locator("#signin-error").inner_text()
        summary["oidc_unverified_hash"] = person.evaluate("location.hash")
        summary["oidc_unverified_signed_in"] = person.locator("#chat-view").is_visible()
        chat_shot(person, "provider-error")
        person_context.close()

        # The console, in another: the administrator's provider account (same verified email) opens it.
        admin_context = browser.new_context(viewport={"width": 1280, "height": 900})
        console = admin_context.new_page()
        own_errors(console, "console")
        console.goto(base + "/admin/")
        expect(console.get_by_role("button", name="Sign in with Mock IdP", exact=True)).to_be_visible(timeout=10000)
        sign_in_at_provider(console, "Sign in with Mock IdP", "root")
        expect(console.locator("#console-view")).to_be_visible(timeout=15000)
        expect(console.locator("#section-title")).to_have_text("Dashboard")
        summary["oidc_console"] = [console.locator("#who").inner_text(), console.evaluate("location.pathname + location.hash")]
        admin_context.close()

    # ---- Every section at phone width, in the dark theme ----
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    for link, name in [("Dashboard", "dashboard"), ("Configuration", "settings"), ("Users", "users"), ("Runs", "runs"),
                       ("Usage", "usage"), ("Audit log", "audit")]:
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.locator("#section-body")).not_to_contain_text("Loading…", timeout=10000)
        page.wait_for_timeout(300)
        shot(page, f"{name}-phone-dark")

    # ---- Deleting the sign-in provider (after a confirmation) takes its button off the sign-in pages ----
    if have["sign_in_providers"]:
        visit(page, "Configuration", "Configuration")
        panel_shot(page.locator("section.panel", has=page.locator("#providers-title")), "settings-providers-panel-phone-dark")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(color_scheme="light")
        page.locator('tr[data-provider="mock"]').get_by_role("button", name="Delete Mock IdP", exact=True).click()
        expect(page.locator("#section-body")).to_contain_text("Sign-in provider mock deleted", timeout=10000)
        expect(page.locator('tr[data-provider="mock"]')).to_have_count(0)
        summary["provider_delete_confirmed"] = any("mock" in message for message in summary["dialogs"])
        summary["providers_after_delete"] = call("GET", "/api/auth/providers")
    browser.close()
print(json.dumps(summary))
