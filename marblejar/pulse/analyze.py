"""``marblejar analyze``: the pulse statistics on your own CSV file.

Reads a CSV with one row per response (and, optionally, a team column), and
prints Cronbach's alpha with its confidence interval, ICC(1)/ICC(2) across
teams and, per team, n, mean, SD, alpha and rwg(j), as JSON or as a readable
report with one plain sentence per number. No Django, no pandas: the standard
``csv`` module and NumPy.

Any problem with the input is reported as one line on stderr and exit
status 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from marblejar.pulse import stats

PROG = "marblejar analyze"
# Cells read as a missing answer (case-insensitive), as R and spreadsheets write them.
MISSING_CELLS = frozenset({"", "na", "n/a", "nan", "null", "none", "."})
SCALE = re.compile(r"^\s*(-?\d+)\s*-\s*(-?\d+)\s*$")


class AnalyzeError(Exception):
    """A problem with the input, told to the user in one line."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and then the error; we promise one line.
    def error(self, message: str) -> NoReturn:
        raise AnalyzeError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Reliability, agreement and team differences of a survey scale, from a CSV "
            "file with one row per response."
        ),
        epilog=(
            "Missing answers (empty, NA) are left out pair by pair (as R psych's alpha) "
            "unless --missing listwise drops every incomplete row."
        ),
    )
    parser.add_argument("file", metavar="FILE.csv", help="CSV file with a header row")
    parser.add_argument("--team-column", metavar="COL", help="column naming each row's team")
    parser.add_argument(
        "--items",
        metavar="a,b,c",
        help="item columns (default: every numeric column except the team column)",
    )
    parser.add_argument(
        "--scale",
        metavar="MIN-MAX",
        help="answer scale of whole numbers, e.g. 1-7 (needed for rwg(j) and --reverse)",
    )
    parser.add_argument("--reverse", metavar="a,b", help="reverse-keyed items (needs --scale)")
    parser.add_argument(
        "--missing", choices=("pairwise", "listwise"), default="pairwise", help="default: pairwise"
    )
    parser.add_argument("--format", choices=("json", "text"), default="text", help="default: text")
    return parser


# ---------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class Table:
    items: list[str]
    answers: np.ndarray  # rows x items, NaN = missing
    teams: list[str] | None
    scale: tuple[int, int] | None
    reverse: list[str]


def parse_scale(text: str) -> tuple[int, int]:
    match = SCALE.match(text)
    if not match or int(match.group(1)) >= int(match.group(2)):
        raise AnalyzeError(
            f"bad --scale {text!r}: expected MIN-MAX with whole numbers and MIN below MAX, e.g. 1-7"
        )
    return int(match.group(1)), int(match.group(2))


def split_names(text: str | None) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()] if text else []


def _number(cell: str) -> float | None:
    """The cell as a number, ``nan`` when missing, ``None`` when not a number."""
    text = cell.strip()
    if text.lower() in MISSING_CELLS:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_table(args: argparse.Namespace) -> Table:
    path = Path(args.file)
    scale = parse_scale(args.scale) if args.scale is not None else None
    reverse = split_names(args.reverse)
    if reverse and scale is None:
        raise AnalyzeError("--reverse needs --scale, to know what a reversed answer is")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [(line, row) for line, row in _numbered(csv.reader(fh)) if any(row)]
    except FileNotFoundError:
        raise AnalyzeError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise AnalyzeError(f"{path} is a directory, not a CSV file") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise AnalyzeError(f"{path} is not a readable UTF-8 CSV file ({exc})") from None
    if not rows:
        raise AnalyzeError(f"{path} is empty")
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise AnalyzeError(f"column {duplicates[0]!r} appears more than once in the header")
    for line, row in body:
        if len(row) != len(header):
            raise AnalyzeError(f"line {line} has {len(row)} fields, the header has {len(header)}")
    if len(body) < 2:
        raise AnalyzeError(f"{path} needs at least two rows of answers, found {len(body)}")

    team_column = args.team_column
    if team_column is not None and team_column not in header:
        raise AnalyzeError(f"no column {team_column!r} for --team-column in {path}")

    if args.items is not None:
        items = split_names(args.items)
        for name in items:
            if name not in header:
                raise AnalyzeError(f"no column {name!r} (from --items) in {path}")
            if name == team_column:
                raise AnalyzeError(f"column {name!r} cannot be both the team column and an item")
    else:
        # A column is numeric when its first answer is a number; a later
        # non-number is then reported as an error instead of silently
        # dropping the column.
        items = []
        for index, name in enumerate(header):
            if name == team_column:
                continue
            first = next(
                (row[index] for _, row in body if row[index].strip().lower() not in MISSING_CELLS),
                None,
            )
            if first is not None and _number(first) is not None:
                items.append(name)
    if not items:
        raise AnalyzeError(f"no item columns: {path} has no numeric column besides the team")
    if len(set(items)) != len(items):
        raise AnalyzeError("an item is listed twice in --items")
    for name in reverse:
        if name not in items:
            raise AnalyzeError(f"--reverse names {name!r}, which is not an item column")

    columns = [header.index(name) for name in items]
    answers = np.empty((len(body), len(items)))
    for r, (line, row) in enumerate(body):
        for c, (name, index) in enumerate(zip(items, columns, strict=True)):
            value = _number(row[index])
            if value is None:
                raise AnalyzeError(f"column {name!r}, line {line}: {row[index]!r} is not a number")
            if scale is not None and not math.isnan(value) and not scale[0] <= value <= scale[1]:
                raise AnalyzeError(
                    f"column {name!r}, line {line}: {row[index].strip()} is outside the scale "
                    f"{scale[0]}-{scale[1]}"
                )
            answers[r, c] = value

    teams = None
    if team_column is not None:
        team_index = header.index(team_column)
        teams = []
        for line, row in body:
            team = row[team_index].strip()
            if not team:
                raise AnalyzeError(f"column {team_column!r}, line {line}: the team is empty")
            teams.append(team)
    return Table(items=items, answers=answers, teams=teams, scale=scale, reverse=reverse)


def _numbered(reader: Any) -> Any:
    for row in reader:
        yield reader.line_num, row


# ---------------------------------------------------------------------------
# Analysing


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Report:
    table: Table
    missing: stats.Missing
    alpha: stats.AlphaResult
    icc: stats.IccResult | None
    teams: list[tuple[str, stats.GroupSummary | None]]


def analyze(table: Table, *, missing: stats.Missing) -> Report:
    keyed = table.answers
    if table.scale is not None:
        reverse = [name in table.reverse for name in table.items]
        keyed = stats.score_items(keyed, scale=table.scale, reverse=reverse)
    alpha = stats.cronbach_alpha(keyed, missing=missing)
    if table.teams is None:
        return Report(table, missing, alpha, None, [])

    answered = ~np.isnan(keyed)
    counted = answered.all(axis=1) if missing == "listwise" else answered.any(axis=1)
    labels = np.array(table.teams, dtype=object)
    order = list(dict.fromkeys(table.teams))  # teams in order of first appearance
    number = {team: i for i, team in enumerate(order)}
    group = np.array([number[team] for team in table.teams], dtype=np.int64)
    scores = stats.respondent_scores(keyed[counted])
    icc = stats.icc(scores, labels[counted])
    batch = stats.batch_group_stats(keyed, group, scale=table.scale, missing=missing)
    position = {int(g): i for i, g in enumerate(batch.group)}
    teams: list[tuple[str, stats.GroupSummary | None]] = []
    for i, team in enumerate(order):
        at = position.get(i)
        teams.append((team, batch.summary(at, scale=table.scale) if at is not None else None))
    return Report(table, missing, alpha, icc, teams)


# ---------------------------------------------------------------------------
# Output


def as_json(report: Report) -> dict[str, Any]:
    alpha = report.alpha
    overall: dict[str, Any] = {
        "n": alpha.n,
        "alpha": _finite(alpha.alpha),
        "alpha_ci95": (
            [alpha.ci_low, alpha.ci_high]
            if alpha.alpha is not None and alpha.ci_low is not None
            else None
        ),
    }
    out: dict[str, Any] = {"items": report.table.items, "overall": overall}
    if report.icc is not None:
        overall["icc1"] = _finite(report.icc.icc1)
        overall["icc2"] = _finite(report.icc.icc2)
        out["teams"] = [
            {
                "team": team,
                "n": summary.n if summary else 0,
                "mean": _finite(summary.mean) if summary else None,
                "sd": _finite(summary.sd) if summary else None,
                "alpha": _finite(summary.alpha) if summary else None,
                "rwg_j": _finite(summary.rwg_j) if summary else None,
            }
            for team, summary in report.teams
        ]
    return out


def as_text(report: Report) -> str:
    table = report.table
    lines = [f"Items ({len(table.items)}): {', '.join(table.items)}"]
    if table.reverse:
        lines.append(f"Reverse-keyed: {', '.join(table.reverse)}")
    if table.scale is not None:
        lines.append(f"Scale: {table.scale[0]} to {table.scale[1]}")
    lines.append(
        "Missing answers: "
        + (
            "each statistic uses every answer available to it (pairwise)."
            if report.missing == "pairwise"
            else "only rows with every item answered are used (listwise)."
        )
    )
    lines += ["", "All respondents"]
    alpha = report.alpha
    lines.append(f"  n = {alpha.n}. {stats.explain('n', n=alpha.n)}")
    if alpha.alpha is not None:
        lines.append(f"  alpha = {alpha.alpha:.3f}. " + alpha.explain()[0].text)
        if alpha.ci_low is not None:
            lines.append(
                f"  alpha 95% CI = [{alpha.ci_low:.3f}, {alpha.ci_high:.3f}]. "
                + alpha.explain()[1].text
            )
    else:
        lines.append("  alpha: none. " + stats.explain("alpha_undefined"))
    if report.icc is not None:
        icc = report.icc
        sentences = {e.message_id: e.text for e in icc.explain()}
        if icc.icc1 is not None:
            lines.append(f"  ICC1 = {icc.icc1:.4f}. {sentences['icc1']}")
            if icc.icc2 is not None:
                lines.append(f"  ICC2 = {icc.icc2:.4f}. {sentences['icc2']}")
        else:
            lines.append("  ICC1, ICC2: none. " + sentences["icc_undefined"])
        lines += ["", "Teams"]
        for team, summary in report.teams:
            lines.append(_team_text(team, summary))
    return "\n".join(lines) + "\n"


def _team_text(team: str, summary: stats.GroupSummary | None) -> str:
    if summary is None or summary.n == 0:
        return f"  {team}: no respondents with usable answers."
    head = f"  {team} (n = {summary.n})"
    if summary.n < stats.MIN_GROUP_SIZE_DEFAULT:
        head += (
            f", fewer than {stats.MIN_GROUP_SIZE_DEFAULT} people: Marblejar's own pages "
            "would not show this team"
        )
    figures = [f"mean {summary.mean:.2f}" if summary.mean is not None else "mean none"]
    figures.append(f"sd {summary.sd:.2f}" if summary.sd is not None else "sd none")
    figures.append(f"alpha {summary.alpha:.2f}" if summary.alpha is not None else "alpha none")
    if summary.scale is not None:
        figures.append(
            f"rwg(j) {summary.rwg_j:.2f}" if summary.rwg_j is not None else "rwg(j) none"
        )
    sentences = [e.text for e in summary.explain_all()]
    return f"{head}: {', '.join(figures)}\n" + "\n".join(f"    {s}" for s in sentences)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``marblejar analyze``; returns the exit status (0, or 2 on bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        table = read_table(args)
        report = analyze(table, missing=args.missing)
    except AnalyzeError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if args.format == "json":
        sys.stdout.write(json.dumps(as_json(report), indent=2, allow_nan=False) + "\n")
    else:
        sys.stdout.write(as_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
