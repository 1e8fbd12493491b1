"""Bad input at scale: schemathesis against the whole API, nightly-sized.

Runs the property-based API test (marblejar/api/tests/test_schema.py) with
more generated cases per operation than CI does: valid and invalid requests
for each of the ~90 operations, every schemathesis check on every response
(no 5xx, status codes, content types, headers and bodies as described,
invalid requests refused, valid ones not refused as invalid). CI runs the
same test with 10 cases per operation on both databases; this script takes
``--examples`` per operation (150 by default: more than 10,000 cases, as operations without
parameters have fewer distinct cases to give).

SQLite by default; set DATABASE_URL (the base database must exist; pytest
creates and drops test_<name>) for PostgreSQL.

    python bench/fuzz_api.py [--examples 120]

Exits non-zero on any failure; prints the number of cases, statuses and time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=150, help="cases per operation")
    args = parser.parse_args()
    env = {**os.environ, "MARBLEJAR_FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "marblejar/api/tests/test_schema.py"]
    command += ["--create-db", "-v", "-p", "no:randomly", "-x"]
    started = time.monotonic()
    # One line per operation as it finishes, so that a long run shows its progress.
    lines = []
    with subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as run:
        for line in run.stdout:
            lines.append(line)
            if " PASSED" in line or " FAILED" in line:
                name = line.split("::", 1)[-1].removeprefix("test_the_api_keeps_its_promises")
                print(f"{time.monotonic() - started:6.0f} s  {name.strip()}")
                sys.stdout.flush()
    seconds = time.monotonic() - started
    out = "".join(lines)
    summary = re.search(r"schemathesis: (\d+) requests \(([^)]*)\)", out)
    result = re.search(r"^(\d+ (?:passed|failed).*)$", out, re.MULTILINE)
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    print(f"database: {database}; {args.examples} generated cases per operation")
    if summary:
        print(f"{summary.group(1)} requests ({summary.group(2)}) in {seconds:.0f} s")
    print(result.group(1) if result else out[-3000:])
    if run.returncode:
        print(out[-6000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
