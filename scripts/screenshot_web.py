"""Regenerate README's screenshot of the web page's report (docs/web-report.png) in headless Chromium.

Usage: python scripts/screenshot_web.py   (needs the web and test extras, chromium and chromedriver)
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from medcheck.web import WebServer

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    server = WebServer("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
    try:
        driver.get(server.url)
        meds = (ROOT / "examples" / "meds.txt").read_text(encoding="utf-8")
        driver.execute_script("arguments[0].value = arguments[1];", driver.find_element(By.ID, "meds"), meds)
        driver.find_element(By.ID, "anc").send_keys("1200")
        driver.find_element(By.CSS_SELECTOR, "form[action='/check'] button[type=submit]").click()
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(1000, min(height + 40, 4000))
        driver.save_screenshot(str(ROOT / "docs" / "web-report.png"))
    finally:
        driver.quit()
        server.shutdown()
        server.close()


if __name__ == "__main__":
    main()
