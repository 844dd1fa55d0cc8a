"""End to end in headless Chromium: upload a bad file -> problems shown -> fixed file ->
NCA -> click a lambda_z point out -> the summary changes -> report downloaded; the
pathway explorer draws a curve; a virtual xenograft shows TGI with its interval."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd
import pytest

FIX = Path(__file__).parents[1] / "nca" / "fixtures"
XSS = '<img src=x onerror="window.__xss=1">'

pytestmark = pytest.mark.slow


def _wait(driver, cond, timeout=180):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(
        driver, timeout, poll_frequency=0.25, ignored_exceptions=(StaleElementReferenceException,)
    ).until(lambda d: cond(d))


def _by_id(driver, element_id):
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.ID, element_id)
    return found[0] if found else None


def _text(driver, element_id) -> str:
    el = _by_id(driver, element_id)
    return el.text if el is not None else ""


def _click(driver, element_id):
    el = _by_id(driver, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    driver.execute_script("arguments[0].click();", el)


def _tab(driver, label):
    from selenium.webdriver.common.by import By

    driver.execute_script("arguments[0].click();", driver.find_element(By.LINK_TEXT, label))


def _table(driver, element_id) -> pd.DataFrame:
    """An HTML table of the page as text cells (numbers converted where they are)."""
    from selenium.webdriver.common.by import By

    el = _by_id(driver, element_id)
    head = [th.text for th in el.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in el.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    df = pd.DataFrame(rows, columns=head)
    for c in df.columns:
        num = pd.to_numeric(df[c], errors="coerce")
        if num.notna().all():
            df[c] = num
    return df


def _summary_cell(driver, code) -> str:
    df = _table(driver, "summary-table")
    return str(df.loc[df["PPTESTCD"] == code, "display"].iloc[0])


def test_browser_workflow(live, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    raw = pd.read_csv(FIX / "theoph.csv")
    bad = tmp_path / "theoph_no_route.csv"
    raw.to_csv(bad, index=False)  # doses without a route
    good = tmp_path / "theoph.csv"
    fixed = raw.assign(route="PO")
    fixed["Subject"] = fixed["Subject"].astype(str).replace({"12": XSS})
    fixed.to_csv(good, index=False)

    srv = live()
    d = browser
    d.get(srv.url)
    _wait(d, lambda d: _by_id(d, "studies-upload") is not None)
    for unit, value in (("time_unit", "h"), ("conc_unit", "mg/L"), ("dose_unit", "mg/kg")):
        d.find_element(By.CSS_SELECTOR, f"#studies-{unit} option[value='{value}']").click()
    # 1. a bad file: every problem listed with file, row, column, fix
    _by_id(d, "studies-upload").send_keys(str(bad))
    _wait(d, lambda d: "route" in _text(d, "problems-table"))
    probs = _table(d, "problems-table")
    assert list(probs.columns) == ["file", "row", "column", "problem", "fix"]
    assert len(probs) == 12 and set(probs["file"]) == {"theoph_no_route.csv"}
    assert sorted(probs["row"]) == [2 + 11 * i for i in range(12)]
    # 2. the fixed file is stored and chosen
    _by_id(d, "studies-upload").send_keys(str(good))
    _wait(d, lambda d: _text(d, "check-status").startswith("OK"))
    assert srv.store.study(1, srv.cfg.local_user)["data"] == good.read_bytes()
    # 3. NCA
    _tab(d, "NCA")
    d.execute_script(
        "window.__vals = {}; $(document).on('shiny:value', "
        "function(e) { window.__vals[e.name] = e.value; });"
    )
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#nca-study option"))
    _click(d, "nca-run")
    _wait(d, lambda d: _by_id(d, "summary-table") is not None)
    before = _summary_cell(d, "LAMZHL")
    # the hostile subject id is plain text in the subject menu, never markup
    opts = [
        o.get_attribute("textContent")
        for o in d.find_elements(By.CSS_SELECTOR, "#nca-subject option")
    ]
    assert XSS in opts and d.execute_script("return window.__xss") is None
    # 4. click subject 1's last point (24.37 h, 3.28 mg/L) with a reason
    _by_id(d, "nca-reason").send_keys("sample haemolysed")
    img = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#nca-lz_plot img"))[0]
    panel = _wait(
        d,
        lambda d: d.execute_script(
            "var v = window.__vals['nca-lz_plot']; return v && v.coordmap.panels[0];"
        ),
    )
    dom, rng = panel["domain"], panel["range"]
    fx = (24.37 - dom["left"]) / (dom["right"] - dom["left"])
    fy = (math.log10(3.28) - dom["bottom"]) / (dom["top"] - dom["bottom"])
    px = rng["left"] + fx * (rng["right"] - rng["left"])
    py = rng["bottom"] + fy * (rng["top"] - rng["bottom"])
    ratio = img.size["width"] / d.execute_script("return arguments[0].naturalWidth", img)
    ActionChains(d).move_to_element_with_offset(
        img, int(px * ratio - img.size["width"] / 2), int(py * ratio - img.size["height"] / 2)
    ).click().perform()
    _wait(d, lambda d: "24.37" in _text(d, "excluded-table"))
    _wait(
        d, lambda d: _by_id(d, "summary-table") is not None and _summary_cell(d, "LAMZHL") != before
    )
    trail = [a for a in srv.store.audit(srv.cfg.local_user) if a["action"] == "lambda_z.exclude"]
    assert trail[0]["reason"] == "sample haemolysed"
    assert trail[0]["details"]["time"] == pytest.approx(24.37)
    assert [r["version"] for r in srv.store.results(srv.cfg.local_user)] == [1, 2]
    # stored with the options it ran with, defaults included (as the JSON API stores them)
    ids = [r["id"] for r in srv.store.results(srv.cfg.local_user)]
    stored = srv.store.result(ids[-1], srv.cfg.local_user)["analysis"]["options"]
    assert {"auc_method", "blq_rule", "time", "sparse", "intervals"} <= set(stored)
    assert len(stored["lambda_z_exclude"]) == 1, stored["lambda_z_exclude"]
    # 5. the HTML report downloads
    _wait(d, lambda d: "version 2" in _text(d, "nca-status"))
    _click(d, "nca-report")
    report = tmp_path / "kinetor_nca_report.html"
    _wait(d, lambda d: report.exists() and report.stat().st_size > 10_000, timeout=240)
    time.sleep(0.5)
    assert "Non-compartmental analysis" in report.read_text(errors="replace")
    _click(d, "nca-workbook")
    book = tmp_path / "kinetor_nca.xlsx"
    _wait(d, lambda d: book.exists() and book.stat().st_size > 5_000, timeout=240)
    time.sleep(0.5)
    import openpyxl

    assert {"parameters", "summary", "wide"} <= set(openpyxl.load_workbook(book).sheetnames)
    # 6. the pathway explorer draws curves
    _tab(d, "Pathway explorer")
    _click(d, "pathway-run")
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#pathway-course img"))
    src = d.find_element(By.CSS_SELECTOR, "#pathway-course img").get_attribute("src")
    assert src.startswith("data:image/png")
    # 7. a virtual xenograft shows TGI with its interval
    _tab(d, "Virtual xenograft")
    _by_id(d, "xeno-n_replicates").clear()
    _by_id(d, "xeno-n_replicates").send_keys("10")
    time.sleep(1)  # numeric inputs reach the server after a short debounce
    _click(d, "xeno-run")
    _wait(
        d,
        lambda d: (
            _by_id(d, "tgi-table") is not None
            or d.find_elements(
                By.CSS_SELECTOR, "#xeno-status.text-danger, #xeno-status .text-danger"
            )
        ),
        timeout=300,
    )
    assert _by_id(d, "tgi-table") is not None, _text(d, "xeno-status")
    tgi = _table(d, "tgi-table")
    treated = tgi[tgi["arm"].str.startswith("vistusertib")].iloc[0]
    assert treated["tgi_lo_pct"] <= treated["tgi_median_pct"] <= treated["tgi_hi_pct"]
