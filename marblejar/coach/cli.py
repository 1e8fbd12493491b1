"""``marblejar coach``: run the language coach over lines of text.

    marblejar coach notes.txt
    some-command | marblejar coach --format jsonl
    python -m marblejar.coach -

Each input line is one item (a note, a comment, a sentence). The exit status
is 0 whether or not anything was flagged, so the command can sit in a
pipeline; it is 2 when the input file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TextIO

from .engine import Finding, analyze

JSONL_KEYS = ("rule", "category", "severity", "start", "end", "match", "message", "suggestion")

_SEVERITY_COLOURS = {"high": "31", "medium": "33", "low": "36", "info": "2"}


def _finding_json(f: Finding) -> dict[str, object]:
    return {key: getattr(f, key) for key in JSONL_KEYS}


def _lines(stream: TextIO) -> Iterator[str]:
    for raw in stream:
        yield raw.rstrip("\n").removesuffix("\r")


def _width(c: str) -> int:
    # Wide characters (CJK, most emoji) take two terminal cells.
    return 2 if unicodedata.east_asian_width(c) in {"W", "F"} else 1


def _caret_line(text: str, start: int, end: int) -> str:
    # Tabs keep their width under the sentence; everything else becomes spaces.
    pad = "".join("\t" if c == "\t" else " " * _width(c) for c in text[:start])
    return pad + "^" * max(1, sum(_width(c) for c in text[start:end]))


def render_text(
    lineno: int, text: str, findings: list[Finding], *, colour: bool = False
) -> list[str]:
    if not findings:
        return []

    def paint(code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if colour else s

    out = [f"{lineno}: {text}"]
    indent = " " * (len(str(lineno)) + 2)
    for f in findings:
        out.append(
            indent
            + paint(_SEVERITY_COLOURS.get(f.severity, "0"), _caret_line(text, f.start, f.end))
        )
        out.append(f"{indent}{paint('1', f.severity)} {f.category}: {f.message}")
        if f.suggestion:
            out.append(f"{indent}try: {f.suggestion}")
    return out


def run(lines: Iterable[str], out: TextIO, *, fmt: str, colour: bool = False) -> int:
    flagged = 0
    # JSON escapes keep the output valid when the terminal cannot show UTF-8.
    encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("-", "")
    ascii_only = encoding != "utf8"
    for lineno, text in enumerate(lines, start=1):
        findings = analyze(text)
        flagged += bool(findings)
        if fmt == "jsonl":
            record = {
                "line": lineno,
                "text": text,
                "findings": [_finding_json(f) for f in findings],
            }
            out.write(json.dumps(record, ensure_ascii=ascii_only) + "\n")
        else:
            for line in render_text(lineno, text, findings, colour=colour):
                out.write(line + "\n")
    return flagged


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marblejar coach",
        description=(
            "Flag phrasing that tends to put people on the hot seat in reviews and "
            "reflections, and suggest a reframe. One item per input line."
        ),
    )
    parser.add_argument(
        "file", nargs="?", default="-", help="text file to read; '-' or nothing reads stdin"
    )
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text (for people, default) or jsonl (one JSON object per input line)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = sys.stdout
    colour = args.format == "text" and out.isatty()
    if args.file == "-":
        if hasattr(sys.stdin, "reconfigure"):
            # Undecodable bytes become U+FFFD instead of ending the run.
            sys.stdin.reconfigure(errors="replace")
        flagged = run(_lines(sys.stdin), out, fmt=args.format, colour=colour)
    else:
        try:
            fh = open(args.file, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
        except OSError as exc:
            print(f"marblejar coach: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        with fh:
            flagged = run(_lines(fh), out, fmt=args.format, colour=colour)
    if args.format == "text" and out.isatty():
        print(f"{flagged} line(s) with suggestions.", file=sys.stderr)
    return 0
