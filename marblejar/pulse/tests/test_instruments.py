"""Tests of the built-in instruments and their loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from marblejar.pulse import stats
from marblejar.pulse.instruments import (
    InstrumentError,
    builtin_instruments,
    load_instrument,
    load_instrument_file,
)

VALID = """
slug = "{slug}"
name = "Example"
description = "An example."
[scale]
min = 1
max = 3
labels = ["No", "Maybe", "Yes"]
[[items]]
key = "one"
facet = "One"
text = "First question."
reverse = false
"""


def write(tmp_path: Path, text: str, slug: str = "example") -> Path:
    path = tmp_path / f"{slug}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_it_ships_the_three_builtin_instruments() -> None:
    assert set(builtin_instruments()) == {
        "psychological_safety",
        "team_learning",
        "safety_check",
    }


def test_psychological_safety_has_seven_items_three_reverse_keyed() -> None:
    instrument = load_instrument("psychological_safety")
    assert len(instrument.items) == 7
    assert instrument.scale.bounds == (1, 7)
    assert instrument.scale.points == 7
    assert instrument.scale.label(1) == "Strongly disagree"
    assert [item.key for item in instrument.items if item.reverse] == [
        "mistakes",
        "difference",
        "ask_help",
    ]


def test_psychological_safety_does_not_copy_the_published_wording() -> None:
    # Phrases of Edmondson's (1999) items that our own wording must not reuse.
    published = (
        "held against you",
        "bring up problems and tough issues",
        "reject others for being different",
        "safe to take a risk",
        "difficult to ask other members",
        "deliberately act in a way that undermines",
        "unique skills and talents are valued and utilized",
    )
    texts = " ".join(item.text.lower() for item in load_instrument("psychological_safety").items)
    for phrase in published:
        assert phrase not in texts


def test_team_learning_covers_its_five_behaviours() -> None:
    instrument = load_instrument("team_learning")
    assert instrument.keys == ("feedback", "errors", "assumptions", "reflecting", "outside")
    assert instrument.scale.points == 7


def test_safety_check_is_one_question_with_every_level_described() -> None:
    instrument = load_instrument("safety_check")
    assert len(instrument.items) == 1
    assert instrument.scale.bounds == (1, 5)
    assert instrument.scale.label(1) == "I won't say anything that matters here."
    assert instrument.scale.label(5) == "I can talk about anything."


def test_reverse_flags_feed_the_scoring() -> None:
    instrument = load_instrument("psychological_safety")
    answers = np.full((1, 7), 7.0)
    keyed = stats.score_items(
        answers, scale=instrument.scale.bounds, reverse=instrument.reverse_keyed
    )
    assert keyed[0].tolist() == [1.0, 7.0, 1.0, 7.0, 1.0, 7.0, 7.0]


def test_it_loads_a_valid_custom_file(tmp_path: Path) -> None:
    instrument = load_instrument_file(write(tmp_path, VALID.format(slug="example")))
    assert instrument.slug == "example"
    assert instrument.items[0].text == "First question."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("max = 3", "max = 1"), "must be below"),
        (('labels = ["No", "Maybe", "Yes"]', 'labels = ["No", "Yes"]'), "exactly 3"),
        (('text = "First question."', 'text = ""'), "'text'"),
        (("reverse = false", 'reverse = "no"'), "true or false"),
        (('key = "one"', 'key = "One!"'), "lower-case"),
        (("min = 1", "min = 1.5"), "whole numbers"),
    ],
)
def test_it_refuses_invalid_files(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = VALID.format(slug="example").replace(*change)
    with pytest.raises(InstrumentError, match=message):
        load_instrument_file(write(tmp_path, text))


def test_it_refuses_duplicate_keys_and_a_wrong_slug(tmp_path: Path) -> None:
    duplicated = VALID.format(slug="example") + VALID.split("[[items]]")[1].join(["[[items]]", ""])
    with pytest.raises(InstrumentError, match="used twice"):
        load_instrument_file(write(tmp_path, duplicated))
    with pytest.raises(InstrumentError, match="file name"):
        load_instrument_file(write(tmp_path, VALID.format(slug="other"), slug="example"))


def test_it_refuses_unknown_or_unsafe_slugs() -> None:
    with pytest.raises(InstrumentError):
        load_instrument("nope")
    with pytest.raises(InstrumentError):
        load_instrument("../stats")


def test_it_reports_broken_toml(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="not valid TOML"):
        load_instrument_file(write(tmp_path, "slug = "))


def test_every_built_in_statement_names_the_facet_it_measures():
    from marblejar.pulse.instruments import builtin_instruments

    for instrument in builtin_instruments().values():
        facets = [item.facet for item in instrument.items]
        assert all(facets), instrument.slug
        assert len(set(facets)) == len(facets), instrument.slug  # one name, one facet
        # Named like the score: "Asking for help", never "Hard to ask for help".
        for facet in facets:
            assert not facet.lower().startswith(("hard ", "rejecting ")), facet


@pytest.mark.django_db
def test_a_pulse_keeps_its_facets_and_the_api_gives_them(personas, client_for):
    from marblejar.pulse.tests.factories import open_pulse

    pulse = open_pulse(personas.lead, personas.team)
    assert pulse.items[4] == {
        "key": "ask_help",
        "text": "I hesitate to ask my teammates for a hand when I need one.",
        "facet": "Asking for help",
        "reverse": True,
    }
    [row] = client_for("member").get("/api/v1/teams/platform/pulses").json()
    assert [i["facet"] for i in row["items"]][4] == "Asking for help"
