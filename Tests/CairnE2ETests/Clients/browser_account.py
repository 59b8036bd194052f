"""Drives the chat page's account and thread features in headless Chromium (Playwright) and prints
a JSON summary: two users kept apart (list, search, API), keyboard-only sign-in/send/Stop, thread
rename/search/delete, the agent picker and Retry, and the Account dialog (password, sessions, API
keys, usage). Screenshots go to $CAIRN_SCREENSHOTS (default .build/screenshots) as account-*.png."""
import json
import sys

from playwright.sync_api import expect, sync_playwright

from browser_support import Shots, launch_chromium, record_errors, request

base = sys.argv[1]
summary = {"errors": [], "screenshots": []}
shot = Shots(summary, "account-")
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


def watch(page, who):
    # Refused requests the test makes on purpose (another user's thread, a wrong password) log
    # "Failed to load resource"; anything else written to the console as an error counts.
    record_errors(page, summary["errors"], f"{who}: ", console=lambda m: not m.text.startswith("Failed to load resource"))


def in_page(page, method, path):
    """The status the page's own session gets for an API call."""
    return page.evaluate("""async ([method, path]) => {
        try { await CairnAuth.api(method, path); return 200; } catch (e) { return e.status || 0; }
    }""", [method, path])


def titles(page):
    return page.locator("#thread-list .thread-title").all_text_contents()


def search(page, words):
    box = page.get_by_label("Search threads")
    box.fill(words)
    box.press("Enter")
    expect(page.locator(".search-status")).not_to_have_text("Searching…", timeout=10000)
    return page.locator("#search-results li").all_text_contents(), page.locator(".search-status").text_content()


for email, name in (("ada@example.com", "Ada Lovelace"), ("bob@example.com", "Bob")):
    status, registered, _ = request(base, "POST", "/api/auth/register", {"email": email, "password": PASSWORD, "name": name})
    assert status == 201, status
    assert request(base, "POST", "/api/auth/logout", token=registered["access_token"])[0] == 204  # only the browser's sessions remain

with sync_playwright() as pw:
    browser = launch_chromium(pw)
    ada_context = browser.new_context(viewport={"width": 1280, "height": 860})
    ada = ada_context.new_page()
    watch(ada, "ada")
    log = ada.get_by_role("log")

    # ---- keyboard only: sign in, Shift+Enter, Enter sends, Stop from the keyboard ----
    ada.goto(base + "/")
    expect(ada.get_by_label("Email")).to_be_focused(timeout=10000)
    ada.keyboard.type("ada@example.com")
    ada.keyboard.press("Tab")
    ada.keyboard.type(PASSWORD)
    ada.keyboard.press("Enter")
    expect(ada.locator("#chat-view")).to_be_visible(timeout=10000)
    expect(ada.get_by_label("Message")).to_be_focused()
    ada.keyboard.type("first line")
    ada.keyboard.press("Shift+Enter")
    ada.keyboard.type("second line")
    summary["shift_enter_value"] = ada.get_by_label("Message").input_value()
    ada.keyboard.press("Control+A")
    ada.keyboard.press("Backspace")
    ada.keyboard.type("What is 17*23?")
    ada.keyboard.press("Enter")
    expect(log).to_contain_text("= 391", timeout=20000)
    expect(ada.get_by_role("button", name="Send")).to_be_enabled(timeout=10000)

    ada.keyboard.type("Tell me a long story " + "about cairns on the hills " * 12)
    ada.keyboard.press("Enter")
    expect(log).to_contain_text("[cairn-offline] This", timeout=20000)
    tabs = 0
    while ada.evaluate("document.activeElement.id") != "stop" and tabs < 8:
        ada.keyboard.press("Tab")
        tabs += 1
    summary["stop_focused"] = ada.evaluate("document.activeElement.id")
    ada.keyboard.press("Enter")
    expect(log).to_contain_text("Run cancelled", timeout=20000)
    expect(ada.get_by_role("button", name="Send")).to_be_enabled(timeout=10000)
    summary["keyboard_stopped"] = True

    # ---- a second user in a separate browser context ----
    bob_context = browser.new_context(viewport={"width": 1280, "height": 860})
    bob = bob_context.new_page()
    watch(bob, "bob")
    bob.goto(base + "/")
    bob.get_by_label("Email").fill("bob@example.com")
    bob.get_by_label("Password").fill(PASSWORD)
    bob.get_by_role("button", name="Sign in", exact=True).click()
    expect(bob.locator("#chat-view")).to_be_visible(timeout=10000)
    bob.get_by_label("Message").fill("Walrus facts: what is 2+3?")
    with bob.expect_response(lambda r: r.url.endswith("/runs") and r.request.method == "POST") as posted:
        bob.get_by_label("Message").press("Enter")
    bob_thread = posted.value.json()["thread_id"]
    expect(bob.get_by_role("log")).to_contain_text("= 5", timeout=20000)
    expect(bob.locator("#thread-list .thread-title")).to_have_count(1, timeout=10000)

    ada.get_by_role("button", name="New thread").click()  # the list is loaded afresh below
    ada.reload()
    expect(ada.locator("#thread-list .thread-title")).to_have_count(1, timeout=10000)
    summary["ada_titles"] = titles(ada)
    summary["bob_titles"] = titles(bob)
    ada_thread = ada.locator("#thread-list button.thread").first.get_attribute("data-id")
    summary["ada_search_other"] = search(ada, "walrus")
    summary["bob_search_other"] = search(bob, "cairns")
    summary["ada_opens_bobs"] = [in_page(ada, "GET", f"/api/threads/{bob_thread}"), in_page(ada, "GET", f"/api/threads/{bob_thread}/messages")]
    summary["bob_opens_adas"] = in_page(bob, "GET", f"/api/threads/{ada_thread}")
    bob_context.close()

    # ---- search, rename (Escape cancels, Enter saves), delete ----
    results, status = search(ada, "cairns hills")
    summary["search_results"] = results
    summary["search_status"] = status
    summary["search_marks"] = ada.locator("#search-results mark").first.text_content()
    summary["thread_list_hidden_while_searching"] = ada.locator("#thread-list").is_hidden()
    shot(ada, "search")
    ada.locator("#search-results button").first.click()
    expect(log).to_contain_text("Tell me a long story", timeout=10000)
    ada.get_by_label("Search threads").press("Escape")
    expect(ada.locator("#thread-list")).to_be_visible()

    story = ada.locator("#thread-list li.current")
    story.get_by_role("button", name="Rename").click()
    field = ada.get_by_label("Thread title")
    expect(field).to_be_focused()
    field.fill("Not this name")
    field.press("Escape")
    summary["after_escape"] = story.locator(".thread-title").text_content()
    story.get_by_role("button", name="Rename").click()
    field.fill("Cairn story, stopped")
    shot(ada, "rename")
    with ada.expect_response(lambda r: "/api/threads/" in r.url and r.request.method == "PATCH"):
        field.press("Enter")
    expect(ada.locator("#thread-list .thread-title").first).to_have_text("Cairn story, stopped", timeout=10000)
    story_id = ada.locator("#thread-list li.current").get_attribute("data-id")
    shot(ada, "threads")
    summary["renamed_api"] = ada.evaluate("async (id) => (await CairnAuth.api('GET', `/api/threads/${id}`)).title", story_id)

    # ---- agent picker and Retry ----
    ada.get_by_role("button", name="New thread").click()
    summary["agent_options"] = ada.get_by_label("Agent").locator("option").all_text_contents()
    summary["agent_default"] = ada.get_by_label("Agent").input_value()
    ada.get_by_label("Agent").select_option("triage")
    ada.get_by_label("Message").fill("Classify this request about hiking")
    with ada.expect_response(lambda r: r.url.endswith("/runs") and r.request.method == "POST") as posted:
        ada.get_by_role("button", name="Send").click()
    first_run = posted.value.json()
    summary["run_body"] = json.loads(posted.value.request.post_data)
    expect(ada.get_by_role("button", name="Retry")).to_be_enabled(timeout=20000)
    run = ada.evaluate("async (id) => CairnAuth.api('GET', `/api/runs/${id}`)", first_run["id"])
    summary["run_agent"] = [run["agent"], run["status"]]
    thread = ada.evaluate("async (id) => CairnAuth.api('GET', `/api/threads/${id}`)", first_run["thread_id"])
    summary["thread_agent"] = thread["agent"]
    with ada.expect_response(lambda r: r.url.endswith("/runs") and r.request.method == "POST") as posted:
        ada.get_by_role("button", name="Retry").click()
    retried = posted.value.json()
    summary["retry_body"] = json.loads(posted.value.request.post_data)
    summary["retry"] = [retried["id"] != first_run["id"], retried["thread_id"] == first_run["thread_id"], retried["agent"]]
    expect(ada.get_by_role("button", name="Retry")).to_be_enabled(timeout=20000)
    messages = ada.evaluate("async (id) => (await CairnAuth.api('GET', `/api/threads/${id}/messages`)).items", first_run["thread_id"])
    summary["retry_user_messages"] = [m["content"] for m in messages if m["role"] == "user"]
    # Opening another thread and coming back picks the thread's agent again.
    ada.locator("#thread-list button.thread", has_text="Cairn story").click()
    expect(ada.get_by_label("Agent")).to_have_value("assistant")
    ada.locator("#thread-list button.thread", has_text="Classify this request").click()
    expect(ada.get_by_label("Agent")).to_have_value("triage")

    dialogs = []
    ada.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    with ada.expect_response(lambda r: r.request.method == "DELETE"):
        ada.locator("#thread-list li.current").get_by_role("button", name="Delete").click()
    expect(ada.locator("#thread-list li")).to_have_count(1, timeout=10000)
    summary["deleted"] = [in_page(ada, "GET", f"/api/threads/{first_run['thread_id']}"), search(ada, "hiking")[1]]
    ada.get_by_label("Search threads").press("Escape")

    # ---- the Account dialog ----
    account = ada.get_by_role("button", name="Account")
    account.click()
    dialog = ada.get_by_role("dialog", name="Account")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#account-usage")).to_contain_text("Runs today", timeout=10000)
    summary["usage"] = dialog.locator("#account-usage").inner_text()
    summary["profile"] = dialog.locator("dl.kv").first.inner_text()
    shot(ada, "panel-light")

    # Sessions: a second sign-in is listed, and "Sign out this device" ends it.
    status, second, _ = request(base, "POST", "/api/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    other = second["access_token"]
    dialog.get_by_role("button", name="Close").click()
    expect(account).to_be_focused()
    account.click()
    sessions = dialog.get_by_role("list", name="Your sessions").locator("li")
    expect(sessions).to_have_count(2, timeout=10000)
    summary["sessions_listed"] = sessions.count()
    summary["other_before"] = request(base, "GET", "/api/auth/me", token=other)[0]
    dialog.get_by_role("button", name="Sign out this device").click()
    expect(sessions).to_have_count(1, timeout=10000)
    summary["other_after"] = request(base, "GET", "/api/auth/me", token=other)[0]
    summary["sessions_status"] = dialog.locator("#account-sessions-title + p").text_content()

    # An API key: shown once, works as a Bearer token, then revoked.
    dialog.get_by_label("Key name").fill("laptop script")
    dialog.get_by_label("Expires after (days)").fill("7")
    dialog.get_by_label("Scope").select_option("chat")
    dialog.get_by_role("button", name="Create key").click()
    box = dialog.get_by_role("region", name="New API key, shown once")
    expect(box).to_be_visible(timeout=10000)
    summary["key_message"] = box.locator("p").first.text_content()
    key = dialog.get_by_label("Your new API key").input_value()
    summary["key_shape"] = key.startswith("cairn_")
    dialog.get_by_role("button", name="Copy").click()
    expect(box).to_contain_text("Copied", timeout=5000)
    shot(ada, "key-once")
    summary["key_works"] = request(base, "GET", "/api/threads", token=key)[0]
    row = dialog.get_by_role("list", name="Your API keys").locator("li")
    summary["key_row"] = row.first.inner_text()
    ada.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    summary["focus_after_escape"] = ada.evaluate("document.activeElement.id")
    account.click()
    summary["key_shown_again"] = dialog.get_by_role("region", name="New API key, shown once").is_visible()
    dialog.get_by_role("button", name='Revoke key "laptop script"').click()
    expect(dialog.get_by_role("list", name="Your API keys").locator("li")).to_have_count(0, timeout=10000)
    summary["key_after_revoke"] = request(base, "GET", "/api/threads", token=key)[0]

    # Password: a wrong current one and a mistyped repeat explained in words, then changed.
    dialog.get_by_label("Current password").fill("not my password")
    dialog.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    dialog.get_by_label("New password again").fill(NEW_PASSWORD)
    dialog.get_by_role("button", name="Change password").click()
    expect(dialog.locator(".account-form .error").first).to_be_visible(timeout=10000)
    summary["wrong_current"] = dialog.locator(".account-form .error").first.inner_text()
    dialog.get_by_label("Current password").fill(PASSWORD)
    dialog.get_by_label("New password again").fill(NEW_PASSWORD + "x")
    dialog.get_by_role("button", name="Change password").click()
    summary["mismatch"] = dialog.locator(".account-form .error").first.inner_text()
    dialog.get_by_label("New password again").fill(NEW_PASSWORD)
    dialog.get_by_role("button", name="Change password").click()
    expect(dialog.locator(".account-form .status")).to_contain_text("Password changed", timeout=10000)
    summary["password_status"] = dialog.locator(".account-form .status").text_content()
    summary["logins_after_change"] = [
        request(base, "POST", "/api/auth/login", {"email": "ada@example.com", "password": PASSWORD})[0],
        request(base, "POST", "/api/auth/login", {"email": "ada@example.com", "password": NEW_PASSWORD})[0]]
    summary["this_session_after_change"] = in_page(ada, "GET", "/api/auth/me")
    dialog.evaluate("(d) => d.scrollTo(0, 0)")
    shot(ada, "panel-password")

    ada.emulate_media(color_scheme="dark")
    dialog.evaluate("(d) => d.scrollTo(0, 0)")
    shot(ada, "panel-dark")
    ada.set_viewport_size({"width": 390, "height": 844})
    shot(ada, "panel-phone")
    dialog.evaluate("(d) => d.scrollTo(0, d.scrollHeight)")
    shot(ada, "panel-phone-keys")
    summary["phone_overflow"] = ada.evaluate("() => document.getElementById('account-dialog').scrollWidth > document.getElementById('account-dialog').clientWidth")
    ada.keyboard.press("Escape")
    summary["focus_after_escape_phone"] = ada.evaluate("document.activeElement.id")
    shot(ada, "chat-phone-dark")
    summary["page_overflow_phone"] = ada.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    summary["dialogs"] = dialogs
    browser.close()
print(json.dumps(summary))
