"""The ``coach`` command, run as a real subprocess."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
FINDING_KEYS = ["rule", "category", "severity", "start", "end", "match", "message", "suggestion"]


def coach(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marblejar.coach", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )


LINES = [
    "Why didn't you roll back?",
    "",
    "I ran the script against prod at 09:12.",
    "Sam should have checked the logs 🙂 before restarting.",
    "The root cause was human error.",
]


@pytest.fixture
def notes(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def test_jsonl_schema(notes):
    result = coach(str(notes), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5]
    for record, text in zip(records, LINES, strict=True):
        assert list(record) == ["line", "text", "findings"]
        assert record["text"] == text
        assert isinstance(record["findings"], list)
        for f in record["findings"]:
            assert list(f) == FINDING_KEYS
            assert isinstance(f["start"], int) and isinstance(f["end"], int)
            assert text[f["start"] : f["end"]] == f["match"]
            assert f["severity"] in {"high", "medium", "low", "info"}
            assert isinstance(f["message"], str) and isinstance(f["suggestion"], str)
    assert records[1]["findings"] == [] and records[2]["findings"] == []
    assert records[0]["findings"][0]["category"] == "why_you_question"
    assert records[3]["findings"][0]["category"] == "counterfactual_should"


def test_stdin_and_dash_are_the_same(notes):
    text = notes.read_text(encoding="utf-8")
    from_stdin = coach("--format", "jsonl", stdin=text)
    from_dash = coach("-", "--format", "jsonl", stdin=text)
    from_file = coach(str(notes), "--format", "jsonl")
    assert from_stdin.stdout == from_dash.stdout == from_file.stdout


def test_crlf_input_keeps_offsets():
    result = coach("--format", "jsonl", stdin="Who pushed this?\r\nAll good.\r\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["text"] == "Who pushed this?"
    assert records[0]["findings"][0]["match"] == "Who pushed"
    assert records[1]["findings"] == []


def test_text_format_for_people(notes):
    result = coach(str(notes))
    assert result.returncode == 0
    out = result.stdout
    assert "\x1b[" not in out  # no colour when not a terminal
    assert "1: Why didn't you roll back?" in out
    assert "^^^" in out
    assert "try:" in out
    assert "3: I ran the script" not in out  # clean lines stay quiet


def test_exit_zero_when_nothing_is_flagged():
    result = coach(stdin="The backup finished at 05:12.\n")
    assert result.returncode == 0
    assert result.stdout == ""


def test_missing_file_is_exit_two(tmp_path):
    result = coach(str(tmp_path / "nope.txt"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nope.txt" in result.stderr


def test_undecodable_bytes_do_not_stop_the_run(tmp_path):
    raw = b"caf\xe9 notes\nWho pushed this?\n"
    path = tmp_path / "latin1.txt"
    path.write_bytes(raw)
    from_file = coach(str(path), "--format", "jsonl")
    from_stdin = subprocess.run(
        [sys.executable, "-m", "marblejar.coach", "--format", "jsonl"],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    for returncode, out in (
        (from_file.returncode, from_file.stdout),
        (from_stdin.returncode, from_stdin.stdout.decode("utf-8")),
    ):
        assert returncode == 0
        records = [json.loads(line) for line in out.splitlines()]
        assert len(records) == 2
        assert records[1]["findings"][0]["category"] == "who_culprit_question"


def test_directory_is_exit_two(tmp_path):
    result = coach(str(tmp_path))
    assert result.returncode == 2


def test_bad_format_is_a_usage_error():
    result = coach("--format", "xml", stdin="")
    assert result.returncode == 2
    assert "marblejar coach" in result.stderr


def test_main_function_directly(notes, capsys):
    from marblejar.coach.cli import main

    assert main([str(notes), "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(LINES)
