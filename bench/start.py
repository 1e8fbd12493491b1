"""Cold start and memory at rest of `marblejar serve`, next to a plain uvicorn app.

Starts `marblejar serve --no-worker` (with ``--worker``: `marblejar serve`, its
task worker starting beside it, as by default) on a data folder that has been migrated
and whose static files are collected (as after the first start), measures the
time until ``/healthz`` answers 200 and the CPU time the server's processes
used until then (the steadier figure on a shared machine), then, after a few requests to every kind
of page, the resident memory (RSS) of each web process. The reference is a
plain ASGI app served by uvicorn in the same run. With ``--bytecode`` both
servers start from the bytecode the first start compiled, as an installed
package's would, even where the environment sets PYTHONDONTWRITEBYTECODE
(without it, each start compiles Marblejar's modules again).

    python bench/start.py [--runs 5] [--workers 2] [--worker] [--bytecode]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PLAIN_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, started: float, timeout: float = 60) -> float:
    while time.perf_counter() - started < timeout:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live children (the task
    worker's too, when it runs)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        # utime, stime, then the same for children already waited for
        total += sum(int(f) for f in fields[11:15]) / tick
    return total


def web_processes(pid: int) -> list[int]:
    """The processes that answer requests: the children of a multi-process server
    (not the task worker), or itself."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    web = [
        c
        for c in children
        if Path(f"/proc/{c}/cmdline").read_bytes().split(b"\0")[2:4] != [b"marblejar", b"worker"]
    ]
    return web or [pid]


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def run_once(
    command: list[str], env: dict[str, str], port: int, pages: list[str], timeout: float = 60
) -> tuple:
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        up = wait_until_up(f"http://127.0.0.1:{port}/healthz", started, timeout)
        cpu = cpu_seconds(process.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(20):
                for page in pages:
                    client.get(page)
        time.sleep(1)
        memory = [rss_mb(pid) for pid in web_processes(process.pid)]
    finally:
        stop(process)
    return up, cpu, memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="web processes of each server")
    parser.add_argument(
        "--worker", action="store_true", help="start the task worker too (serve's default)"
    )
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="keep the bytecode the first start compiles (as an installed package has it), "
        "even where PYTHONDONTWRITEBYTECODE is set",
    )
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="marblejar-start-"))
    env = {**os.environ, "MARBLEJAR_DATA_DIR": str(data), "MARBLEJAR_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("MARBLEJAR_REDIS_URL", None)
    if args.bytecode:
        # Written by the first start, beside the data folder, for both servers.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(data / "bytecode")
    py = sys.executable
    # The first start migrates and collects the static files; not measured.
    port = free_port()
    first = time.perf_counter()
    run_once(
        [py, "-m", "marblejar", "serve", "--no-worker", "--port", str(port), "--workers", "1"],
        env,
        port,
        ["/healthz"],
        timeout=600,
    )
    print(f"first start (migrate, collect static files): {time.perf_counter() - first:.1f} s")
    (data / "plain.py").write_text(PLAIN_APP)

    ours, plain = [], []
    for _ in range(args.runs):
        port = free_port()
        ours.append(
            run_once(
                [py, "-m", "marblejar", "serve", "--port", str(port)]
                + ["--workers", str(args.workers)]
                + ([] if args.worker else ["--no-worker"]),
                env,
                port,
                ["/healthz", "/login/", "/signup/", "/password-reset/"],
            )
        )
        port = free_port()
        plain.append(
            run_once(
                [py, "-m", "uvicorn", "plain:app", "--app-dir", str(data), "--port", str(port)]
                + ["--workers", str(args.workers), "--log-level", "warning"],
                env,
                port,
                ["/healthz"],
            )
        )

    def line(name: str, runs: list[tuple]) -> None:
        ups = sorted(up for up, _, _ in runs)
        cpus = sorted(cpu for _, cpu, _ in runs)
        rss = [m for _, _, mem in runs for m in mem]
        print(
            f"{name:28} /healthz after {min(ups):.2f}–{max(ups):.2f} s "
            f"(median {statistics.median(ups):.2f}), CPU until then {min(cpus):.2f}–"
            f"{max(cpus):.2f} s (median {statistics.median(cpus):.2f}); RSS per web process "
            f"{min(rss):.0f}–{max(rss):.0f} MB (median {statistics.median(rss):.0f})"
        )

    worker = ", with the task worker" if args.worker else ""
    compiled = "bytecode kept" if args.bytecode else "bytecode as the environment has it"
    print(
        f"{args.runs} cold starts each, {args.workers} web process(es){worker}, "
        f"{compiled}, alternating"
    )
    line("marblejar serve", ours)
    line("plain uvicorn app", plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
