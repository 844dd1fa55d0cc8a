"""In headless Chromium: a blank project name and a bad NCA interval are refused with a
message (nothing runs or is saved), and the message goes once the input is fixed."""

from __future__ import annotations

import time

import pytest
from tests.web.test_web_e2e import _by_id, _click, _tab, _text, _wait
from tests.web.test_web_hostile_inputs import IV_CSV

pytestmark = pytest.mark.slow


def test_bad_fields_are_refused_in_the_browser(live, browser, tmp_path):
    from selenium.webdriver.common.by import By

    f = tmp_path / "iv.csv"
    f.write_bytes(IV_CSV)
    srv = live()
    d = browser
    d.get(srv.url)
    _wait(d, lambda d: _by_id(d, "studies-upload") is not None)
    _click(d, "studies-create")  # no name typed
    _wait(d, lambda d: "type a name" in _text(d, "project-message"))
    for unit, value in (("time_unit", "h"), ("conc_unit", "ng/mL"), ("dose_unit", "mg/kg")):
        d.find_element(By.CSS_SELECTOR, f"#studies-{unit} option[value='{value}']").click()
    _by_id(d, "studies-upload").send_keys(str(f))
    _wait(d, lambda d: _text(d, "check-status").startswith("OK"))
    _tab(d, "NCA")
    _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#nca-study option"))
    _by_id(d, "nca-interval").send_keys("0-24-48")
    time.sleep(1)  # text inputs reach the server after a short debounce
    _click(d, "nca-run")
    _wait(d, lambda d: "START-END" in _text(d, "lz-message"))
    assert "saved" not in _text(d, "nca-status")
    assert srv.store.results(srv.cfg.local_user) == []  # refused: nothing ran or was saved
    _by_id(d, "nca-interval").clear()  # empty: the whole profile
    time.sleep(1)
    _click(d, "nca-run")
    _wait(d, lambda d: "saved as result" in _text(d, "nca-status"))
    assert _text(d, "lz-message") == ""
    _wait(d, lambda d: "CLO" in _text(d, "summary-table"))  # IV clearance shown
