#!/usr/bin/python3
# The HTML timeline in a real browser: Debian's headless Chromium driven by
# Selenium (packages chromium, chromium-driver, python3-selenium, installed
# by scripts/deps.sh). Generates the page with `pagerace check --html`, then
# checks what is rendered: one lane per CPU and the device, the violating
# step marked, the state panel after a click, keyboard moves between steps,
# a narrow window, and the matrix page's links. Saves screenshots next to the
# generated pages as test artefacts.
#
# Usage: timeline_test.py PAGERACE_BINARY OUTPUT_DIR
# Exit 0 on success, 1 on a failed check, 2 when the browser is missing.
import os
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    if len(sys.argv) != 3:
        print("usage: timeline_test.py PAGERACE_BINARY OUTPUT_DIR")
        return 2
    pagerace, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
    except ImportError:
        print("FAIL: python3-selenium is not installed (scripts/deps.sh installs it)")
        return 2
    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not os.access(tool, os.X_OK):
            print("FAIL: %s is missing (scripts/deps.sh installs chromium and chromium-driver)" % tool)
            return 2

    page = os.path.join(out, "seed-race1.html")
    mpage = os.path.join(out, "matrix.html")
    for old in (page, mpage):  # a page left by an earlier run must not pass
        if os.path.exists(old):
            os.remove(old)
    r = subprocess.run([pagerace, "check", "seed-race1", "--kernel", "v4.15", "--html", page,
                        "--quiet", "-j", "1"], capture_output=True, text=True)
    if r.returncode != 1 or not os.path.exists(page):
        fail("pagerace check --html: exit %d\n%s" % (r.returncode, r.stderr))
    html = open(page, encoding="utf-8").read()
    for banned in ("http://", "https://", "<link", "src=\""):
        if banned in html:
            fail("the page is not self-contained: it has %r" % banned)

    o = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000"):
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    from selenium.common.exceptions import WebDriverException
    try:
        d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    except WebDriverException as e:
        print("FAIL: headless Chromium did not start: %s" % e)
        return 2
    try:
        d.get("file://" + os.path.abspath(page))
        sections = d.find_elements(By.CSS_SELECTOR, "section.trace")
        if not sections:
            fail("seed-race1 under v4.15 violates, and the page shows no trace")
        sec = sections[0]
        heads = [h.text for h in sec.find_elements(By.CSS_SELECTOR, ".lanes .hd")]
        for lane in ("CPU1", "CPU2", "CPU3", "device"):
            if lane not in heads:
                fail("no lane %s (lanes: %s)" % (lane, heads))
        bad = sec.find_elements(By.CSS_SELECTOR, ".step.bad")
        if not bad:
            fail("the violating step is not marked")
        if not sec.find_elements(By.CSS_SELECTOR, ".step.bad .ev.violation"):
            fail("the marked step does not show the violation")
        kinds = [s.find_element(By.TAG_NAME, "h2").text for s in sections]
        if not any("dirty-without-buffers" in k for k in kinds):
            fail("no trace of dirty-without-buffers: %s" % kinds)
        # Tracks of the page: its flags over the steps.
        track_text = sec.find_element(By.CSS_SELECTOR, "table.tracks").text
        for f in ("PG_dirty", "PG_writeback", "PG_private", "_refcount", "present"):
            if f not in track_text:
                fail("the tracks have no %s row" % f)
        # Click the first step: the state panel shows the state after it.
        def model_step(row):
            return sec.find_element(By.CSS_SELECTOR, '.step[data-step="%d"]' % row) \
                      .get_attribute("data-model-step")
        first = sec.find_element(By.CSS_SELECTOR, '.step[data-step="0"] .no')
        first.click()
        panel = sec.find_element(By.CSS_SELECTOR, ".state")
        if "State after step %s" % model_step(0) not in panel.text:
            fail("the state panel did not follow the click: %r" % panel.text[:200])
        # Keyboard: down twice, then End.
        body = d.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.ARROW_DOWN)
        body.send_keys(Keys.ARROW_DOWN)
        sel = sec.find_elements(By.CSS_SELECTOR, ".step.sel")
        if len(sel) != 1 or sel[0].get_attribute("data-step") != "2":
            fail("ArrowDown twice did not select the third step")
        if "State after step %s" % model_step(2) not in panel.text:
            fail("the state panel did not follow the keyboard")
        body.send_keys(Keys.END)
        last = len(sec.find_elements(By.CSS_SELECTOR, ".step")) - 1
        sel = sec.find_elements(By.CSS_SELECTOR, ".step.sel")
        if len(sel) != 1 or sel[0].get_attribute("data-step") != str(last):
            fail("End did not select the last step")
        if "PG_dirty" not in panel.text:
            fail("the state panel has no page flags")
        d.save_screenshot(os.path.join(out, "seed-race1-wide.png"))
        # Printed to PDF (the print style sheet drops the panel, keeps lanes).
        import base64
        pdf = base64.b64decode(d.print_page())
        if not pdf.startswith(b"%PDF") or len(pdf) < 10000:
            fail("printing to PDF gave %d bytes" % len(pdf))
        with open(os.path.join(out, "seed-race1.pdf"), "wb") as f:
            f.write(pdf)
        # A narrow window: the lanes scroll sideways, nothing overflows the page.
        d.set_window_size(420, 900)
        width = d.execute_script("return document.documentElement.scrollWidth")
        if width > 440:
            fail("the page is %dpx wide in a 420px window" % width)
        d.save_screenshot(os.path.join(out, "seed-race1-narrow.png"))
        d.set_window_size(1400, 1000)

        r = subprocess.run([pagerace, "matrix", "seed-race1", "seed-race2", "--kernels",
                            "v4.15,upstream,dio-bounce", "--html", mpage, "--jobs", "2"],
                           capture_output=True, text=True)
        # Every cell matches the scenarios' [expect]: exit 0.
        if r.returncode != 0 or not os.path.exists(mpage):
            fail("pagerace matrix --html wrote nothing: exit %d\n%s" % (r.returncode, r.stderr))
        d.get("file://" + os.path.abspath(mpage))
        cells = d.find_elements(By.CSS_SELECTOR, "table.matrix td")
        if len(cells) != 6:
            fail("the matrix has %d cells, not 2 x 3" % len(cells))
        classes = [c.get_attribute("class") for c in cells]
        if not any("violation" in c for c in classes) or not any("clean" in c for c in classes):
            fail("the matrix cells are not coloured by verdict: %s" % classes)
        link = d.find_element(By.CSS_SELECTOR, "table.matrix td.violation a")
        target = link.get_attribute("href").split("#")[1]
        if not d.find_elements(By.ID, target):
            fail("the cell links to #%s, which is not in the page" % target)
        d.save_screenshot(os.path.join(out, "matrix.png"))
    finally:
        d.quit()
    print("ok: lanes, marked violation, tracks, state panel, keyboard, PDF, narrow window, matrix")
    return 0


if __name__ == "__main__":
    sys.exit(main())
