"""The `marblejar` command.

`marblejar serve`, `demo`, `createadmin`, `check`, `createtoken`, `coach` and
`analyze`, plus every Django management command (`marblejar migrate`, …).
"""

from __future__ import annotations

import os
import sys

# Commands with a pure-Python core start without loading Django.
STANDALONE = {
    "coach": "marblejar.coach.cli",
    "analyze": "marblejar.pulse.analyze",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in STANDALONE:
        from importlib import import_module

        module = import_module(STANDALONE[argv[1]])
        return int(module.main(argv[2:]) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    from django.core.management import execute_from_command_line

    argv[0] = "marblejar"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
