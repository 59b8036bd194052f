"""First-time setup of a fresh cairn in headless Chromium: the console's sign-in page on a server
with no users, a wrong setup token refused in words, then the one-time token from the server log
($CAIRN_SETUP_TOKEN) with email, password and name, "Create administrator", and the console's
dashboard. Then, over HTTP: the setup cannot be done again with the same token, and the new
administrator signs in with the password chosen in the form. Saves screenshots into
$CAIRN_SCREENSHOTS (default .build/screenshots) and prints a JSON summary."""
import json
import os
import sys

from playwright.sync_api import expect, sync_playwright

from browser_support import Shots, launch_chromium, record_errors, request

base = sys.argv[1]
setup_token = os.environ["CAIRN_SETUP_TOKEN"]

EMAIL = "first@example.com"
PASSWORD = "first admin password"
NAME = "Frieda First"


def error_code(answer):
    return answer.get("error", {}).get("code") if isinstance(answer, dict) else None


summary = {"errors": [], "screenshots": []}
shot = Shots(summary, "setup-", full_page=True)


# Before: nobody exists, so nobody can sign in.
summary["users_before"] = request(base, "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD})[0]

with sync_playwright() as pw:
    browser = launch_chromium(pw)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # The wrong token answers 403, which the browser logs as a console error: expected here.
    record_errors(page, summary["errors"], console=lambda message: "status of 403" not in message.text)

    page.goto(base + "/admin/")
    expect(page.get_by_role("group", name="First-time setup")).to_be_visible(timeout=10000)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Name").fill(NAME)

    # A wrong token: refused in words, and nothing is created.
    page.get_by_label("Setup token").fill("not-the-token-" + setup_token[:4])
    page.get_by_role("button", name="Create administrator").click()
    error = page.locator("#signin-error")
    expect(error).to_be_visible(timeout=10000)
    summary["wrong_token_error"] = error.inner_text()
    summary["wrong_token_console_visible"] = page.locator("#console-view").is_visible()
    summary["login_after_wrong_token"] = request(base, "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD})[0]
    shot(page, "wrong-token")

    # The token from the server log: the administrator is created and the console opens.
    page.get_by_label("Setup token").fill(setup_token)
    summary["form_password_kept"] = page.get_by_label("Password").input_value() == PASSWORD
    shot(page, "form")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.locator("#console-view")).to_be_visible(timeout=15000)
    expect(page.locator("#section-title")).to_have_text("Dashboard")
    expect(page.locator(".figure-card").first).to_be_visible(timeout=10000)
    summary["console_title"] = page.locator("#section-title").inner_text()
    summary["who"] = page.locator("#who").inner_text()
    summary["signin_view_hidden"] = page.locator("#signin-view").is_hidden()
    summary["error_after_setup"] = page.locator("#signin-error").is_visible()
    shot(page, "done")
    browser.close()

# The token is spent: setup again (same token, another account) is refused and creates nobody.
again, answer, _ = request(base, "POST", "/api/auth/setup", {"setup_token": setup_token, "email": "second@example.com",
                                                           "password": "second admin password", "name": "Second"})
summary["setup_again"] = [again, error_code(answer)]
summary["second_login"] = request(base, "POST", "/api/auth/login", {"email": "second@example.com", "password": "second admin password"})[0]

# The administrator signs in with the password from the form.
status, login, _ = request(base, "POST", "/api/auth/login", {"email": EMAIL, "password": PASSWORD})
user = login.get("user", {}) if isinstance(login, dict) else {}
summary["admin_login"] = [status, user.get("email"), user.get("role"), user.get("name")]
if status == 200:
    users = request(base, "GET", "/api/admin/users", token=login["access_token"])
    summary["admin_users"] = [users[0], [item["email"] for item in users[1].get("items", [])] if isinstance(users[1], dict) else []]
print(json.dumps(summary))
