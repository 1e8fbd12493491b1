"""``python -m marblejar.coach [FILE|-] [--format text|jsonl]``."""

from .cli import main

raise SystemExit(main())
