"""Page weight of every main page as served: HTML, CSS and JS, compressed.

Starts `marblejar serve` on a fresh data folder with the demo data, logs in
as Ada (lead of Platform, organization admin) and reads every main page the
way a browser does: the HTML, then each stylesheet, script and icon it
links, asking for Brotli or gzip. Sizes are bytes on the wire (bodies after
compression, without headers). A first visit loads everything; a repeat
visit loads only the HTML, since the static files carry content hashes and
a year of caching.

    python bench/weight.py
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_wire(response: httpx.Response) -> int:
    return response.num_bytes_downloaded


def main() -> int:
    data = tempfile.mkdtemp(prefix="marblejar-weight-")
    env = {**os.environ, "MARBLEJAR_DATA_DIR": data, "MARBLEJAR_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("MARBLEJAR_REDIS_URL", None)
    py = sys.executable
    subprocess.run([py, "-m", "marblejar", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [py, "-m", "marblejar", "demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [py, "-m", "marblejar", "serve", "--no-worker", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        client = httpx.Client(base_url=base, headers={"Accept-Encoding": "br, gzip"}, timeout=10)
        client.get("/login/")
        response = client.post(
            "/login/",
            data={
                "username": "ada@demo.marblejar.org",
                "password": "marblejar-demo",
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/login/"},
        )
        assert response.status_code == 302, response.status_code
        pulses = client.get("/t/platform/pulses/").text
        results = re.search(r'href="(/t/platform/pulses/\d+/results/)"', pulses)
        reflections = client.get("/t/platform/reflections/").text
        reflection = re.search(r'href="(/reflections/\d+/)"', reflections)
        pages = {
            "team": "/t/platform/",
            "jar": "/t/platform/jar/",
            "reflections": "/t/platform/reflections/",
            "one reflection": reflection.group(1),
            "pulse list": "/t/platform/pulses/",
            "pulse results": results.group(1),
            "org pulse overview": "/organization/pulses/",
            "actions": "/t/platform/actions/",
            "review list": "/t/platform/reviews/",
            "account": "/account/",
            "log-in (anonymous)": "/login/",
        }
        print("bytes on the wire (Accept-Encoding: br, gzip); HTML as Marblejar sends it")
        print(f"{'page':20} {'HTML':>7} {'CSS+JS+icon':>12} {'first visit':>12} {'repeat':>8}")
        worst_first = worst_repeat = 0
        for name, url in pages.items():
            page_client = httpx.Client(
                base_url=base, headers={"Accept-Encoding": "br, gzip"}, timeout=10
            )
            if "anonymous" not in name:
                page_client.cookies = client.cookies
            html = page_client.get(url)
            assert html.status_code == 200, (url, html.status_code)
            assets = sorted(set(ASSET.findall(html.text)))
            static = sum(on_wire(page_client.get(a)) for a in assets)
            first, repeat = on_wire(html) + static, on_wire(html)
            worst_first, worst_repeat = max(worst_first, first), max(worst_repeat, repeat)
            print(f"{name:20} {on_wire(html):7,} {static:12,} {first:12,} {repeat:8,}")
        print(f"largest first visit {worst_first / 1024:.1f} KiB (goal ≤ 40 KB), ")
        print(f"largest repeat visit {worst_repeat / 1024:.1f} KiB (goal ≤ 10 KB)")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
