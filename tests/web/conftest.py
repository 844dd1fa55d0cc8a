"""A live ``kinetor serve`` on a free port (uvicorn in a background thread) and headless
Chromium through Debian's chromedriver."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving ``build_app(cfg, store)`` until ``stop()``."""

    def __init__(self, cfg, store):
        import uvicorn

        from kinetor.web import build_app

        cfg.port = free_port()
        self.cfg, self.store = cfg, store
        self.url = f"http://127.0.0.1:{cfg.port}"
        config = uvicorn.Config(
            build_app(cfg, store),
            host="127.0.0.1",
            port=cfg.port,
            log_level="warning",
            lifespan="on",
            ws="websockets-sansio",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 60
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def live(tmp_path):
    """Start a server: ``live(auth="accounts", ...)`` -> LiveServer (stopped afterwards)."""
    from kinetor.store import Store
    from kinetor.web import ServeConfig

    servers = []

    def start(store=None, **kw):
        st = store or Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
        srv = LiveServer(ServeConfig(workers=kw.pop("workers", 1), **kw), st)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop()


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium (Debian's chromium + chromium-driver), downloads to tmp_path."""
    chromedriver = shutil.which("chromedriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromedriver or not chromium:
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (make "
            "web-test-deps installs them as root)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install 'kinetor[dev]')")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        opts.add_argument(arg)
    opts.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(tmp_path),
            "download.prompt_for_download": False,
            "profile.default_content_setting_values.automatic_downloads": 1,
        },
    )
    driver = webdriver.Chrome(service=Service(chromedriver), options=opts)
    driver.download_dir = tmp_path
    try:
        yield driver
    finally:
        driver.quit()
