"""The `marblejar` command.

`marblejar serve`, `demo`, `createadmin`, `check`, `createtoken`, `coach` and
`analyze`, plus every Django management command (`marblejar migrate`, …).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

# Commands with a pure-Python core start without loading Django.
STANDALONE = {
    "coach": "marblejar.coach.cli",
    "analyze": "marblejar.pulse.analyze",
}


SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 (names the wildcard, binds nothing)


def served_url(host: str, port: int | str) -> str:
    """The address people reach `marblejar serve --host --port` at."""
    if host in WILDCARD_HOSTS:
        host = socket.gethostname()  # listening everywhere: the machine's name
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def record_served_address(args: list[str]) -> None:
    """Tell settings where `serve` listens, before Django loads them.

    Links in invitations and e-mails then carry the address actually served
    (``make run PORT=8123``) unless ``MARBLEJAR_SITE_URL`` names another. The
    worker that `serve` starts, and uvicorn's worker processes, inherit it.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--host", default=SERVE_HOST)
    parser.add_argument("--port", default=str(SERVE_PORT))
    known, _rest = parser.parse_known_args(args)
    os.environ["MARBLEJAR_SERVED_URL"] = served_url(known.host, known.port)


def prepare_metrics_folder() -> str | None:
    """Name the folder where each web process writes its counters, before Django loads.

    prometheus-client chooses how its counters are kept when it is imported,
    which Django's set-up does. `serve` loads the site once and forks its web
    processes from it, so the choice must already be the multi-process one.
    Returns the folder when it made one: the caller removes it.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    import tempfile

    folder = tempfile.mkdtemp(prefix="marblejar-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in STANDALONE:
        from importlib import import_module

        module = import_module(STANDALONE[argv[1]])
        return int(module.main(argv[2:]) or 0)
    metrics_folder = None
    if len(argv) > 1 and argv[1] == "serve":
        record_served_address(argv[2:])
        metrics_folder = prepare_metrics_folder()
    # Removed however `serve` ends: a bad argument, a port in use or a failed
    # check end it before it serves anything. The web processes it forks
    # never come back here (they leave through os._exit).
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
        from django.core.management import execute_from_command_line

        argv[0] = "marblejar"
        execute_from_command_line(argv)
    finally:
        if metrics_folder is not None:
            import shutil

            shutil.rmtree(metrics_folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
