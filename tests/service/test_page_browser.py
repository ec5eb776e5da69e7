"""The moderators' page in a real browser: Debian's chromium driven by playwright.

The app is served on a free loopback port by werkzeug in a background thread.
Skipped, with the reason, where playwright or a chromium binary is missing; under
CI (``CI`` set) a missing browser is a failure, since .ci/install-system-deps.sh
installs it there.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from service import create_app

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TEXT = (
    "Protests spread to eight cities on Tuesday, according to the Interior Ministry.\n\n"
    '"We will not negotiate with criminals," said Jen Psaki, the White House press secretary. '
    "She added that talks could resume next week.\n\n"
    "Posts shared thousands of times claim the army has switched sides. "
    'Mr. Smith arrived on Jan. 5 <img src=x onerror="window.injected = 1"> and paid $3.50 for coffee.'
)


def _chromium() -> str:
    path = os.environ.get("CLAIMS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    reason = "no chromium binary (apt-get install chromium; .ci/install-system-deps.sh does it in CI)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed (it is in the test extra)")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    executable = _chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def live_url(trained_model_dir):
    app = create_app({"MODEL_DIR": str(trained_model_dir)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_moderator_pastes_a_text_and_reads_it(browser, live_url, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_url + "/")
    assert page.title() == "Claim reader"
    legend = page.locator(".legend li")
    assert legend.count() == 4

    page.get_by_label("Text to read").fill(TEXT)
    page.get_by_role("button", name="Read the text").click()
    page.wait_for_selector("#highlighted .sentence")
    api = page.request.post(live_url + "/v1/analyze", data={"text": TEXT, "explain": True}).json()

    sentences = page.locator("#highlighted .sentence")
    assert sentences.count() == len(api["sentences"]) == 5
    names = {item.get_attribute("data-label"): item.get_attribute("data-name") for item in legend.all()}
    for mark, expected in zip(sentences.all(), api["sentences"]):
        assert mark.get_attribute("data-label") == expected["label"]
        # The label is spelled out, not only coloured.
        assert mark.locator(".badge").inner_text().lower() == names[expected["label"]].lower()
        assert expected["text"] in mark.inner_text()
    # The highlighted copy keeps the pasted text exactly; the markup in it stays text.
    assert page.evaluate("document.getElementById('highlighted').innerText.includes('<img src=x')")
    assert page.evaluate("window.injected") is None
    assert page.locator("#highlighted img").count() == 0

    share = page.locator("#summary-share").inner_text()
    assert share.startswith(f"{round(api['summary']['rumor_or_speculation_share'] * 100)}% of 5 sentences")
    for label, count in api["summary"]["labels"].items():
        assert page.locator(f"#summary-labels [data-label='{label}']").inner_text().endswith(str(count))

    # Click: the details show the scores, the source and the explanation.
    sentences.nth(1).click()
    details = page.locator("#details")
    assert details.is_visible()
    assert "Jen Psaki, the White House press secretary" in details.inner_text()
    assert details.locator(".scores tr").count() == 4
    assert details.locator(".explanation li").count() >= 1
    assert sentences.nth(1).get_attribute("aria-pressed") == "true"
    # Keyboard: Tab to a sentence, Enter selects it.
    sentences.nth(3).focus()
    page.keyboard.press("Enter")
    assert "Posts shared thousands of times" in details.inner_text()
    assert sentences.nth(1).get_attribute("aria-pressed") == "false"

    page.screenshot(path=str(tmp_path / "moderator-page.png"), full_page=True)
    assert (tmp_path / "moderator-page.png").stat().st_size > 10_000
    assert all(url.startswith(live_url) for url in requested), [u for u in requested if not u.startswith(live_url)]
    page.close()


def test_the_page_shows_the_services_error_message(browser, live_url):
    page = browser.new_page()
    page.goto(live_url + "/")
    page.get_by_role("button", name="Read the text").click()
    assert "Paste a text first" in page.locator("#status").inner_text()
    page.get_by_label("Text to read").fill("x" * 100_001)
    page.get_by_role("button", name="Read the text").click()
    page.wait_for_function("document.getElementById('status').innerText.includes('Could not read')")
    assert "characters; the limit is 100000" in page.locator("#status").inner_text()
    assert page.locator("#status").get_attribute("role") == "alert"
    page.close()
