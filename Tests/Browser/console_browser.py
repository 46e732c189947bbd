#!/usr/bin/env python3
"""Drives the console in a real headless Chromium (selenium + chromium-driver), the way a user
would: launch a job from the quick-launch form, watch its counters move over server-sent
events, pause it (and see nothing new start), resume it, open a collection row, and retry a
failed item once the server serves it. Screenshots go to --shots. Exits non-zero, with the
step that failed, when anything is not as it should be.

Run by Tests/HostTests/ConsoleBrowserTests.swift, which starts `engine serve` and the
loopback file server and gives their addresses.
"""
import argparse
import os
import shutil
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--playlist", required=True)
parser.add_argument("--items", type=int, required=True, help="items in the playlist")
parser.add_argument("--late-source", required=True, help="the file the server lacks at first")
parser.add_argument("--late-target", required=True, help="where the server will find it")
parser.add_argument("--shots", required=True)
args = parser.parse_args()
os.makedirs(args.shots, exist_ok=True)

options = webdriver.ChromeOptions()
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
             "--no-first-run", "--disable-extensions", f"--user-data-dir={args.shots}/profile"):
    options.add_argument(flag)
options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
step = "start"


def wait(condition, seconds=60, what=None):
    try:
        # The live region is swapped on every update: an element read mid-swap is stale, and read again.
        return WebDriverWait(driver, seconds, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: condition())
    except TimeoutException:
        raise AssertionError(f"{what or step}: not seen within {seconds} s")


def shot(name):
    driver.save_screenshot(os.path.join(args.shots, name + ".png"))


def text(selector):
    """The text of the first element matching, read in one step (the region may be swapped any time)."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector)


def count(status):
    value = text(f"#live .active [data-count='{status}']")
    return int(value) if value is not None else -1


def job_status():
    return text("#live .active h2 .badge") or ""


def press(label, scope="#live .active .actions"):
    """Clicks the enabled button with this label, found afresh (the region may be swapped any time)."""
    clicked = driver.execute_script(
        "const b = [...document.querySelectorAll(arguments[0] + ' button')].find(b => b.textContent === arguments[1] && !b.disabled);"
        " if (b) { b.click(); return true; } return false;", scope, label)
    if not clicked:
        wait(lambda: driver.execute_script(
            "const b = [...document.querySelectorAll(arguments[0] + ' button')].find(b => b.textContent === arguments[1] && !b.disabled);"
            " if (b) { b.click(); return true; } return false;", scope, label), 10, f"{label} enabled")


try:
    step = "the dashboard opens"
    driver.get(args.url + "/")
    wait(lambda: driver.find_elements(By.ID, "launch-form"))
    assert "stream" in driver.find_element(By.ID, "stream").get_attribute("class")

    step = "launch a job from the quick-launch form"
    form = driver.find_element(By.ID, "launch-form")
    Select(form.find_element(By.NAME, "type")).select_by_value("ingest")
    form.find_element(By.NAME, "inputs").send_keys(args.playlist)
    renditions = form.find_element(By.NAME, "renditions")
    if renditions.is_selected():
        renditions.click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(lambda: "/jobs/" in driver.current_url)
    job = driver.current_url.rstrip("/").split("/")[-1]
    # A mark on this page: it survives only if the page is never reloaded (updates come as events).
    driver.execute_script("window.__mark = 'kept';")

    step = "the counters move by themselves (server-sent events)"
    wait(lambda: "on" in driver.find_element(By.ID, "stream").get_attribute("class"), 20, "the event stream open")
    wait(lambda: count("succeeded") >= 1, 60)
    first = count("succeeded")
    wait(lambda: count("succeeded") > first, 60)
    assert driver.execute_script("return window.__mark") == "kept", "the page was reloaded"

    step = "the dashboard during the run"
    driver.get(args.url + "/")
    wait(lambda: driver.find_elements(By.CSS_SELECTOR, "#live .active .running tr[data-item]"), 30, "a running item on the dashboard")
    shot("dashboard-running")
    driver.get(args.url + "/jobs/" + job)
    wait(lambda: job_status() == "running", 20)
    driver.execute_script("window.__mark = 'kept';")

    step = "pause: the job pauses and starts nothing new"
    press("Pause")
    wait(lambda: job_status() == "paused", 60)
    settled = count("succeeded") + count("failed")
    assert count("running") == 0, "an item still runs in a paused job"
    time.sleep(3)  # several items' time: any that started would have shown
    assert count("succeeded") + count("failed") == settled and count("running") == 0, "an item started while paused"
    assert count("pending") > 0, "nothing was left to pause"
    shot("job-paused")

    step = "resume: the job runs to its end"
    press("Resume")
    wait(lambda: job_status() in ("running", "queued"), 20)
    wait(lambda: job_status() == "completed with errors", 120)
    assert count("succeeded") == args.items - 1 and count("failed") == 1, f"{count('succeeded')} succeeded, {count('failed')} failed"

    step = "open the collection row: its items load"
    driver.execute_script("document.querySelector('tbody[data-collection] .toggle').click();")
    wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "tbody[data-collection] tr.item")) == args.items, 20)
    late = text("tr.item[data-item$='late.wav']") or ""
    assert "failed" in late and "404" in late, late
    shot("job-collection-open")

    step = "retry the failed item once the server has it"
    shutil.copyfile(args.late_source, args.late_target)
    press("Retry", "tr.item[data-item$='late.wav']")
    wait(lambda: "succeeded" in (text("tr.item[data-item$='late.wav'] .badge") or ""), 120,
         "the retried item succeeded (its row kept open across the refreshes)")
    wait(lambda: job_status() == "completed", 60)
    assert driver.execute_script("return window.__mark") == "kept", "the page was reloaded"
    assert driver.execute_script("return window.__pwned") is None, "a title ran as script"
    shot("job-retried")

    step = "the Failed view is empty again"
    driver.get(args.url + "/failed")
    wait(lambda: "Nothing failed" in driver.find_element(By.ID, "live").text, 20)
    print("browser: every step passed")
except Exception as error:  # noqa: BLE001 - any failure is reported with its step
    try:
        shot("failure")
    except Exception:  # noqa: BLE001
        pass
    print(f"browser: {step}: {error}", file=sys.stderr)
    sys.exit(1)
finally:
    driver.quit()
