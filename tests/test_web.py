"""The local web page, driven through a real headless Chromium (Debian's chromium and chromium-driver)."""

from __future__ import annotations

import csv
import io
import shutil
import threading
import time
from pathlib import Path

import pytest

flask = pytest.importorskip("flask", reason='the web page needs the web extra: pip install "medcheck[web]"')

from medcheck.web import MAX_UPLOAD, WebServer, create_app  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="Chromium and chromedriver are not installed (.ci/run installs them)"
)


@pytest.fixture(scope="module")
def server():
    """medcheck's web app on 127.0.0.1, on a free port, in a thread."""
    web = WebServer("127.0.0.1", 0)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    yield web
    web.shutdown()
    web.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    selenium = pytest.importorskip("selenium", reason="the browser tests need selenium (the test extra)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM and DRIVER):
        pytest.skip("Chromium and chromedriver are not installed (.ci/run installs them)")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1600"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.downloads = downloads
    assert selenium
    yield driver
    driver.quit()


def paste_and_check(browser, server, text: str, anc: str = "") -> str:
    from selenium.webdriver.common.by import By

    browser.get(server.url)
    wait_for_heading(browser, "Check a medication list")
    box = browser.find_element(By.ID, "meds")
    box.clear()
    browser.execute_script("arguments[0].value = arguments[1];", box, text)  # as a paste, newlines and all
    if anc:
        browser.find_element(By.ID, "anc").send_keys(anc)
    browser.find_element(By.CSS_SELECTOR, "form[action='/check'] button[type=submit]").click()
    wait_for_heading(browser, "Report")
    return browser.find_element(By.TAG_NAME, "main").text


def wait_for_heading(browser, start: str) -> None:
    """Wait (up to 30 s) until the page that a form post loads shows its h1."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def loaded(driver) -> bool:
        try:
            headings = driver.find_elements(By.TAG_NAME, "h1")
            return bool(headings) and headings[0].text.startswith(start)
        except WebDriverException as exc:
            # Chromium may answer "Node with given id does not belong to the document" while the old page goes
            if "does not belong to the document" in str(exc):
                return False
            raise

    # the old page's heading may go stale while it is read: that only means the new page is coming
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(loaded)


@needs_browser
def test_a_pasted_list_shows_findings_by_risk(browser, server):
    text = paste_and_check(browser, server, "clozapine 100 mg\nibuprofen 400 mg\nclonazepam 1 mg\nmetotrexate 15 mg", "800")
    assert text.index("High risk") < text.index("Expected") < text.index("Rarely reported")
    assert "clozapine" in text and "boxed warning" in text and "need a doctor the same day" in text
    assert "ibuprofen" in text and "clonazepam 1 mg" in text  # the look-alike is listed as not matched
    assert "Lines with no catalog drug" in text and "read as methotrexate" in text.lower()
    assert "Neutrophil count (ANC): 800/µL" in text and "moderate neutropenia" in text
    assert "Not medical advice" in browser.find_element("tag name", "footer").text
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", ".sources a")]
    assert any(link.startswith("https://dailymed.nlm.nih.gov/") for link in links)
    browser.save_screenshot(str(Path(browser.downloads) / "report.png"))


@needs_browser
def test_naughty_strings_show_as_text_and_run_nothing(browser, server):
    naughty = (DATA / "blns.txt").read_text(encoding="utf-8")
    lines = [line for line in naughty.splitlines() if line and not line.startswith("#")]
    scripts = [line for line in lines if "<script" in line.lower() or "onerror" in line.lower()][:40]
    assert scripts
    text = paste_and_check(browser, server, "\n".join(scripts))
    assert "alert" in text  # the strings are shown as they were pasted
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    assert browser.execute_script("return document.querySelectorAll('main script, main img').length") == 0


@needs_browser
def test_upload_shows_the_summary_and_downloads_the_checked_file(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url)
    browser.find_element(By.ID, "export").send_keys(str(DATA / "synthea_medications_slice.csv"))
    browser.find_element(By.ID, "id_column").send_keys("PATIENT")
    browser.find_element(By.CSS_SELECTOR, "form[action='/upload'] button[type=submit]").click()
    wait_for_heading(browser, "Checked")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Checked synthea_medications_slice.csv" in text and "Rows by risk" in text and "vancomycin" in text
    assert browser.find_elements(By.CSS_SELECTOR, ".bar")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Download the checked file").click()
    target = Path(browser.downloads) / "synthea_medications_slice-checked.csv"
    for _ in range(100):
        if target.exists() and target.stat().st_size:
            break
        time.sleep(0.1)
    with open(DATA / "synthea_medications_slice.csv", encoding="utf-8", newline="") as f:
        original = list(csv.reader(f))
    with open(target, encoding="utf-8", newline="") as f:
        checked = list(csv.reader(f))
    assert len(checked) == len(original) and checked[0][: len(original[0])] == original[0]
    assert checked[0][-7:][0] == "medcheck_flag" and all(r[: len(o)] == o for o, r in zip(original, checked))


@needs_browser
def test_the_page_works_by_keyboard_and_its_fields_are_labelled(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url)
    for field in browser.find_elements(By.CSS_SELECTOR, "textarea, input, select"):
        label = browser.find_elements(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
        assert label and label[0].text, field.get_attribute("id")
    headings = [h.tag_name for h in browser.find_elements(By.CSS_SELECTOR, "h1, h2")]
    assert headings[0] == "h1" and headings.count("h1") == 1
    box = browser.find_element(By.ID, "meds")
    box.click()
    box.send_keys("clozapine")
    active = browser.switch_to.active_element
    for _ in range(12):  # Tab through the ANC fields to the Check button, then press Enter
        if active.tag_name == "button":
            break
        active.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
    assert active.tag_name == "button"
    active.send_keys(Keys.ENTER)
    wait_for_heading(browser, "Report")
    assert "clozapine" in browser.find_element(By.TAG_NAME, "main").text


# --- the app itself, without a browser ---------------------------------------------------------

@pytest.fixture
def client():
    app = create_app("127.0.0.1", 8765)
    return app.test_client()


HOST = {"Host": "127.0.0.1:8765"}


def test_the_page_works_without_javascript_as_a_plain_form_post(client):
    page = client.get("/", headers=HOST).data.decode()
    assert '<form method="post" action="/check"' in page and "<script" not in page
    report = client.post("/check", data={"meds": "clozapine 100 mg"}, headers=HOST).data.decode()
    assert "High risk" in report and "clozapine" in report


def test_possible_matches_say_whether_a_spelling_or_a_shared_name_is_in_doubt(client):
    report = client.post("/check", data={"meds": "valproic 250 mg\nTefin 200 mg"}, headers=HOST).data.decode()
    assert "Possible matches: check the spelling, or which medicine is meant" in report
    assert "Line 1: “<span class=\"input\">valproic</span>”, did you mean valproic acid" in report
    assert ("Line 2: “<span class=\"input\">Tefin</span>”, may be ibuprofen (nsaid): a brand medcheck knows only "
            "from Ireland, and another medicine&#39;s name in Brazil") in report


def test_other_host_headers_are_refused(client):
    for host in ("evil.example:8765", "127.0.0.1:9999", "attacker.test"):
        assert client.get("/", headers={"Host": host}).status_code == 400
    for host in ("127.0.0.1:8765", "localhost:8765"):
        assert client.get("/", headers={"Host": host}).status_code == 200


def test_every_asset_comes_from_the_package_and_nothing_external_is_requested(client):
    page = client.get("/", headers=HOST)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.data.decode()
    assert "http://" not in html and "https://" not in html
    css = client.get("/static/medcheck.css", headers=HOST)
    assert css.status_code == 200 and b"url(" not in css.data and b"@import" not in css.data


def test_user_text_is_escaped(client):
    report = client.post("/check", data={"meds": '<img src=x onerror=alert(1)>\n"><script>alert(2)</script>'},
                         headers=HOST).data.decode()
    assert "<img src=x" not in report and "<script>alert(2)" not in report
    assert "&lt;img src=x onerror=alert(1)&gt;" in report


def test_a_bad_upload_gets_the_clis_one_line_message(client):
    bad = client.post("/upload", data={"export": (io.BytesIO(b"\x1f\x8b\x08\x00junk"), "meds.csv")},
                      headers=HOST, content_type="multipart/form-data")
    assert bad.status_code == 400 and "meds.csv: not a text file: it is gzip-compressed" in bad.data.decode()
    ragged = client.post("/upload", data={"export": (io.BytesIO(b"a,b\n1,2\n3\n"), "meds.csv")},
                         headers=HOST, content_type="multipart/form-data")
    assert ragged.status_code == 400 and "meds.csv" in ragged.data.decode() and "line 3" in ragged.data.decode()


def test_the_upload_limit_is_enforced(client, monkeypatch):
    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    big = client.post("/upload", data={"export": (io.BytesIO(b"medication\n" + b"clozapine\n" * 500), "m.csv")},
                      headers=HOST, content_type="multipart/form-data")
    assert big.status_code == 413 and f"larger than {MAX_UPLOAD // (1024 * 1024)} MB" in big.data.decode()


def test_a_download_is_served_once_and_its_private_folder_removed(client):
    page = client.post("/upload", data={"export": (io.BytesIO(b"medication\nclozapine\n"), "m.csv")},
                       headers=HOST, content_type="multipart/form-data").data.decode()
    import re

    token = re.search(r"/download/([\w-]+)", page).group(1)
    folder = client.application.extensions["medcheck_downloads"]._files[token].parent
    assert oct(folder.stat().st_mode & 0o777) == "0o700" and [p.name for p in folder.iterdir()] == ["m-checked.csv"]
    first = client.get(f"/download/{token}", headers=HOST)
    assert first.status_code == 200 and b"medcheck_flag" in first.data
    first.close()
    assert not folder.exists()  # the upload was removed at once, the checked file once sent
    assert client.get(f"/download/{token}", headers=HOST).status_code == 404


# --- `medcheck serve` as a person runs it ---------------------------------------------------------

def _start(*args: str):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "medcheck", "serve", "--port", "0", *args],
                            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=DATA.parent.parent)
    first = proc.stderr.readline()
    return proc, first


def test_serve_prints_its_address_logs_no_list_and_stops_cleanly_on_ctrl_c():
    import re
    import signal
    import urllib.parse
    import urllib.request

    proc, first = _start()
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+/", first).group(0)
        assert "Ctrl-C stops it" in first
        body = urllib.parse.urlencode({"meds": "clozapine 100 mg for Jane Doe"}).encode()
        with urllib.request.urlopen(urllib.request.Request(url + "check", data=body), timeout=30) as page:
            assert "High risk" in page.read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and err.rstrip().endswith("medcheck: stopped.")
    assert "POST /check" in err and "Jane Doe" not in err + out and "clozapine" not in err + out


def test_serve_warns_when_listening_beyond_this_computer():
    import signal

    proc, first = _start("--host", "0.0.0.0")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert first.startswith("medcheck: warning: listening on 0.0.0.0, not on this computer only")


def test_text_colours_have_readable_contrast():
    """WCAG AA: at least 4.5:1 for body text, muted text, links, the high-risk red and the button."""
    import re

    css = (Path(__file__).resolve().parent.parent / "medcheck" / "web_static" / "medcheck.css").read_text()
    colours = dict(re.findall(r"--(\w+): (#[0-9a-f]{3,6});", css))

    def luminance(hex_colour: str) -> float:
        if len(hex_colour) == 4:  # #abc is #aabbcc
            hex_colour = "#" + "".join(c * 2 for c in hex_colour[1:])
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    for name in ("ink", "muted", "accent", "high"):
        assert contrast(colours[name], "#ffffff") >= 4.5, name
    assert contrast("#ffffff", colours["accent"]) >= 4.5  # the button's white text


def test_the_anc_from_a_white_count_and_differential(client):
    page = client.post("/check", data={"meds": "ibuprofen 400 mg", "wbc": "3500", "neutrophils": "30", "bands": "1"},
                       headers=HOST).data.decode()
    assert "Neutrophil count (ANC): 1085/µL" in page and "mild neutropenia" in page
    both = client.post("/check", data={"meds": "x", "anc": "800", "wbc": "3500", "neutrophils": "30"}, headers=HOST)
    assert both.status_code == 400 and "either the ANC or the white count" in both.data.decode()
    bad = client.post("/check", data={"meds": "x", "anc": "-5"}, headers=HOST)
    assert bad.status_code == 400 and "ANC -5 is negative" in bad.data.decode()


def test_a_parquet_upload_comes_back_as_parquet(client, tmp_path):
    import re

    import pandas as pd

    src = tmp_path / "meds.parquet"
    pd.DataFrame({"id": ["007", "008"], "medication": ["clozapine 100 mg", "metformin"]}).to_parquet(src)
    page = client.post("/upload", data={"export": (open(src, "rb"), "meds.parquet")}, headers=HOST,
                       content_type="multipart/form-data").data.decode()
    token = re.search(r"/download/([\w-]+)", page).group(1)
    got = client.get(f"/download/{token}", headers=HOST)
    out = tmp_path / "out.parquet"
    out.write_bytes(got.data)
    frame = pd.read_parquet(out)
    assert got.headers["Content-Disposition"] == 'attachment; filename="meds-checked.parquet"'
    assert frame["id"].tolist() == ["007", "008"] and frame["medcheck_flag"].tolist() == ["true", "false"]


def test_serve_without_flask_names_the_extra(monkeypatch):
    import builtins

    from click.testing import CliRunner

    from medcheck.cli import cli

    real_import = builtins.__import__

    def no_flask(name, *args, **kwargs):
        if name.split(".")[0] in ("flask", "werkzeug"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_flask)
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert result.stderr == 'Error: the web page needs Flask; install it with: pip install "medcheck[web]"\n'
