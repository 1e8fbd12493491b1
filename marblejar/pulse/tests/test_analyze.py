"""Tests of ``marblejar analyze``: in-process for speed, and once as the real command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from marblejar.pulse.analyze import main

DATA = Path(__file__).parent / "data"
BH1996 = DATA / "bh1996.csv"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str | Path) -> Result:
    """Run `marblejar analyze` in this process (the CLI test below runs it for real)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return Result(int(code or 0), out.getvalue(), err.getvalue())


def test_it_runs_as_the_marblejar_command(tmp_path: Path) -> None:
    path = write(tmp_path, "t,a,b\nx,1,2\nx,2,3\ny,3,3\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "marblejar",
            "analyze",
            str(path),
            "--team-column",
            "t",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["overall"]["n"] == 3
    missing = subprocess.run(
        [sys.executable, "-m", "marblejar", "analyze", str(tmp_path / "nope.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("marblejar analyze: error: ")


def run_json(*args: str | Path) -> dict:
    result = run(*args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def write(tmp_path: Path, text: str, name: str = "answers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_it_reproduces_the_multilevel_icc_of_wellbeing() -> None:
    out = run_json(BH1996, "--team-column", "GRP", "--items", "WBEING")
    # R multilevel: ICC1(aov(WBEING ~ as.factor(GRP), data = bh1996)) = 0.04336905
    # (see test_stats.py for the source); ICC2 = (MSB - MSW) / MSB.
    assert out["overall"]["icc1"] == pytest.approx(0.04336905, abs=1e-8)
    assert out["overall"]["icc2"] == pytest.approx(0.7717128755404233, abs=1e-9)
    assert out["overall"]["n"] == 7382
    # One item: alpha is undefined, and says so with null rather than NaN.
    assert out["overall"]["alpha"] is None
    assert out["overall"]["alpha_ci95"] is None
    assert len(out["teams"]) == 99
    assert sum(team["n"] for team in out["teams"]) == 7382


def test_two_items_of_bh1996_have_a_scale_score_per_person() -> None:
    out = run_json(BH1996, "--team-column", "GRP", "--items", "HRS,WBEING")
    assert out["items"] == ["HRS", "WBEING"]
    assert isinstance(out["overall"]["alpha"], float)
    low, high = out["overall"]["alpha_ci95"]
    assert low < out["overall"]["alpha"] < high
    assert 0 < out["overall"]["icc1"] < out["overall"]["icc2"] < 1


def test_json_schema_is_exact(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "team,a,b,c\nx,1,2,2\nx,3,3,4\nx,5,6,5\ny,2,2,1\ny,6,7,7\nz,4,4,4\n",
    )
    out = run_json(path, "--team-column", "team", "--scale", "1-7", "--reverse", "c")
    assert set(out) == {"items", "overall", "teams"}
    assert out["items"] == ["a", "b", "c"]
    assert set(out["overall"]) == {"n", "alpha", "alpha_ci95", "icc1", "icc2"}
    assert [team["team"] for team in out["teams"]] == ["x", "y", "z"]
    for team in out["teams"]:
        assert set(team) == {"team", "n", "mean", "sd", "alpha", "rwg_j"}
    z = out["teams"][2]
    assert z == {"team": "z", "n": 1, "mean": 4.0, "sd": None, "alpha": None, "rwg_j": None}
    assert out["teams"][0]["rwg_j"] is not None


def test_without_a_team_column_only_overall_figures_are_printed(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,2\n2,2\n3,4\n")
    out = run_json(path)
    assert set(out) == {"items", "overall"}
    assert set(out["overall"]) == {"n", "alpha", "alpha_ci95"}
    assert out["items"] == ["a", "b"]


def test_rwg_j_is_null_without_a_scale(tmp_path: Path) -> None:
    path = write(tmp_path, "t,a,b\nx,1,2\nx,2,2\nx,3,4\n")
    out = run_json(path, "--team-column", "t")
    assert out["teams"][0]["rwg_j"] is None
    out = run_json(path, "--team-column", "t", "--scale", "1-5")
    assert 0 <= out["teams"][0]["rwg_j"] <= 1


def test_pairwise_and_listwise_differ_with_missing_answers() -> None:
    pairwise = run_json(DATA / "cronbach_wide_missing.csv")
    listwise = run_json(DATA / "cronbach_wide_missing.csv", "--missing", "listwise")
    # pingouin.cronbach_alpha docstring values (see test_stats.py).
    assert pairwise["overall"]["alpha"] == pytest.approx(0.732660835214447, abs=1e-9)
    assert listwise["overall"]["alpha"] == pytest.approx(0.8016949152542373, abs=1e-9)
    assert (pairwise["overall"]["n"], listwise["overall"]["n"]) == (12, 9)


def test_text_report_explains_every_number() -> None:
    result = run(BH1996, "--team-column", "GRP", "--items", "WBEING")
    assert result.returncode == 0
    assert "ICC1 = 0.0434." in result.stdout
    assert "7382 people in 99 teams" in result.stdout
    assert "Internal consistency needs at least two questions" in result.stdout


def test_small_teams_are_flagged_in_the_text_report(tmp_path: Path) -> None:
    path = write(tmp_path, "t,a,b\nx,1,2\nx,2,2\ny,3,4\ny,3,3\ny,4,4\ny,5,5\ny,5,4\n")
    result = run(path, "--team-column", "t")
    assert "x (n = 2), fewer than 5 people" in result.stdout
    assert "y (n = 5):" in result.stdout


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, ["--items", "a"], "no such file"),
        ("a,b\n1,2\n2,3\n", ["--items", "a,c"], "no column 'c'"),
        ("a,b\n1,2\n2,3\n", ["--team-column", "team"], "no column 'team'"),
        ("a,b\n1,2\n2,x\n", ["--items", "a,b"], "column 'b', line 3: 'x' is not a number"),
        ("a,b\n1,2\n2,x\n", [], "column 'b', line 3: 'x' is not a number"),
        ("a,b\n1,2\n", [], "at least two rows"),
        ("t,name\nx,ann\ny,bob\n", ["--team-column", "t"], "no item columns"),
        ("a,b\n1,2\n2,3\n", ["--scale", "7-1"], "bad --scale '7-1'"),
        ("a,b\n1,2\n2,3\n", ["--scale", "one-seven"], "bad --scale"),
        ("a,b\n1,2\n2,9\n", ["--scale", "1-7"], "column 'b', line 3: 9 is outside the scale 1-7"),
        ("a,b\n1,2\n2,3\n", ["--reverse", "a"], "--reverse needs --scale"),
        ("a,b\n1,2\n2,3\n", ["--scale", "1-7", "--reverse", "z"], "'z', which is not an item"),
        ("", [], "is empty"),
        ("a,b\n1,2\n2,3,4\n", [], "line 3 has 3 fields"),
        ("t,a\nx,1\n,2\n", ["--team-column", "t"], "line 3: the team is empty"),
        ("a,b\n1,2\n2,3\n", ["--missing", "sometimes"], "invalid choice"),
    ],
)
def test_bad_input_gives_one_line_and_status_2(
    tmp_path: Path, content: str | None, args: list[str], message: str
) -> None:
    path = tmp_path / "missing.csv" if content is None else write(tmp_path, content)
    result = run(path, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("marblejar analyze: error: ")
    assert message in lines[0]


def test_main_can_be_called_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from marblejar.pulse.analyze import main

    path = write(tmp_path, "a,b\n1,2\n2,3\n3,3\n")
    assert main([str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["n"] == 3
    assert main(["--help"]) == 0
