"""Drives the admin console of a running cairn in headless Chromium: signs in as the
administrator created on the command line and goes through every section (dashboard figures,
circuit breakers, configuration with history and revert, users with disable, quota and
password-reset link, runs with timeline and cancel, usage, audit log with CSV download, backups),
checking each action's effect through the API. Saves a screenshot of every section (desktop and
phone width) into $CAIRN_SCREENSHOTS, by default .build/screenshots (git-ignored). Prints a JSON
summary; a section whose API the server does not offer yet is listed under "unavailable"."""
import csv
import io
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect, sync_playwright

base = sys.argv[1]
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
shots = os.environ.get("CAIRN_SCREENSHOTS") or os.path.join(root, ".build", "screenshots")
os.makedirs(shots, exist_ok=True)


def request(method, path, body=None, token=None):
    """(status, parsed body, content type); never raises for an HTTP status."""
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw, status, kind = response.read(), response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        raw, status, kind = error.read(), error.code, error.headers.get("Content-Type", "")
    if "json" in kind and raw:
        return status, json.loads(raw), kind
    return status, raw.decode("utf-8", "replace"), kind


def call(method, path, body=None, token=None):
    status, answer, _ = request(method, path, body, token)
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

# Which of the console's routes this server has (the rest are written against docs/admin-console-api.md).
probes = {
    "settings": request("GET", "/api/admin/settings", token=token),
    "settings_history": request("GET", "/api/admin/settings/history", token=token),
    "runs": request("GET", "/api/admin/runs", token=token),
    "users": request("GET", "/api/admin/users?q=quota", token=token),
    "audit_csv": request("GET", "/api/admin/audit?format=csv&limit=1", token=token),
}
have = {name: not route_missing(status, answer) and status < 400 for name, (status, answer, _) in probes.items()}
users_probe = probes["users"][1]
have["quota"] = bool(isinstance(users_probe, dict) and users_probe.get("items") and "usage" in users_probe["items"][0])
have["audit_csv"] = have["audit_csv"] and "text/csv" in probes["audit_csv"][2]
summary["unavailable"] = sorted(name for name, ok in have.items() if not ok)


def shot(page, name):
    path = os.path.join(shots, f"admin-{name}.png")
    # Tables scroll inside their .table-wrap; the page itself must not be wider than the window.
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if wide > 1:
        summary["overflow"].append(f"{name}: {wide}px")
    # The section scrolls inside .content, so a full-page shot needs a window as tall as the section.
    size = page.viewport_size
    tall = page.evaluate("(() => { const c = document.querySelector('#console-view:not([hidden]) .content');"
                         " return c ? c.scrollHeight + c.getBoundingClientRect().top + 4 : 0; })()")
    page.set_viewport_size({"width": size["width"], "height": int(min(max(size["height"], tall), 8000))})
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
    summary["screenshots"].append(path)


def visit(page, link, heading):
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.locator("#section-title")).to_have_text(heading)
    expect(page.locator("#section-body")).not_to_contain_text("Loading…", timeout=10000)


with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    # Routes this server does not have yet answer 404 (the console says so) and the deliberate
    # invalid setting answers 422; the browser logs both as console errors, which are not page failures.
    page.on("console", lambda message: summary["errors"].append(message.text)
            if message.type == "error" and "status of 404" not in message.text and "status of 422" not in message.text else None)
    page.on("pageerror", lambda error: summary["errors"].append(str(error)))

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
        summary["register_pending"] = request("POST", "/api/auth/register", {"email": "pending@example.com", "password": "user password 1"})[0]
        call("PATCH", "/api/admin/settings", {"auth.registration": None}, token)
    visit(page, "Users", "Users")
    if have["settings"]:
        page.get_by_label("Status").select_option("pending")
        pending = page.locator('tr[data-email="pending@example.com"]')
        expect(pending).to_contain_text("pending", timeout=10000)
        pending.get_by_role("button", name="Approve: pending@example.com").click()
        expect(page.locator("#section-body p.status")).to_contain_text("pending@example.com is approved", timeout=10000)
        summary["login_after_approval"] = request("POST", "/api/auth/login", {"email": "pending@example.com", "password": "user password 1"})[0]
        page.get_by_label("Status").select_option("")
    page.get_by_label("Search users").fill("victim")
    victim = page.locator('tr[data-email="victim@example.com"]')
    expect(victim).to_be_visible(timeout=10000)
    expect(page.locator('tr[data-email="quota@example.com"]')).to_have_count(0)
    victim.get_by_role("button", name="Disable: victim@example.com").click()
    expect(page.locator('tr[data-email="victim@example.com"]')).to_contain_text("disabled", timeout=10000)
    summary["disabled_login"] = request("POST", "/api/auth/login", {"email": "victim@example.com", "password": "user password 1"})[0]
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
        first = request("POST", f"/api/threads/{thread}/runs", {"input": "What is 2+3?"}, user_token)
        second = request("POST", f"/api/threads/{thread}/runs", {"input": "What is 2+4?"}, user_token)
        summary["quota_runs"] = [first[0], second[0], second[1]["error"]["code"] if isinstance(second[1], dict) and "error" in second[1] else None]
        page.locator('tr[data-email="quota@example.com"]').get_by_role("button", name="Reset password: quota@example.com").click()
        link = page.locator("input.reset-link")
        # The contract says /reset#<token>; this server answers /#reset=<token>: either is an absolute link on this host.
        expect(link).to_have_value(re.compile(r"^" + re.escape(base) + r"/.*reset.+"), timeout=10000)
        summary["reset_link"] = link.input_value()
        # The user opens the link (in their own browser) and chooses a new password on the chat page.
        user_context = browser.new_context()
        user_page = user_context.new_page()
        user_page.on("pageerror", lambda error: summary["errors"].append(str(error)))
        user_page.goto(summary["reset_link"])
        user_page.get_by_label("New password", exact=True).fill("brand new password 2")
        user_page.get_by_label("New password again").fill("brand new password 2")
        user_page.get_by_role("button", name="Set password").click()
        expect(user_page.locator("#signin-status")).to_contain_text("Your password is changed", timeout=10000)
        summary["reset_token_left_url"] = "reset" not in user_page.url
        summary["login_after_reset"] = [
            request("POST", "/api/auth/login", {"email": "quota@example.com", "password": "user password 1"})[0],
            request("POST", "/api/auth/login", {"email": "quota@example.com", "password": "brand new password 2"})[0]]
        user_context.close()
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

    # ---- Every section at phone width, in the dark theme ----
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    for link, name in [("Dashboard", "dashboard"), ("Configuration", "settings"), ("Users", "users"), ("Runs", "runs"),
                       ("Usage", "usage"), ("Audit log", "audit")]:
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.locator("#section-body")).not_to_contain_text("Loading…", timeout=10000)
        page.wait_for_timeout(300)
        shot(page, f"{name}-phone-dark")
    browser.close()
print(json.dumps(summary))
