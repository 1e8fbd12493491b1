"""Engine behaviour: offsets, context rules, Markdown, dismissal, allow-list."""

from __future__ import annotations

import dataclasses
import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marblejar.coach import RULES_VERSION, Finding, analyze, load_rules
from marblejar.coach.engine import parse_rules
from marblejar.coach.evaluate import DEFAULT_CORPUS, read_examples


def categories(text: str, **kwargs) -> set[str]:
    return {f.category for f in analyze(text, **kwargs)}


def assert_offsets(text: str) -> list[Finding]:
    findings = analyze(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start : f.end] == f.match
    return findings


# --- Findings ------------------------------------------------------------------


def test_finding_shape():
    (f,) = analyze("Why didn't you roll back?")
    assert f.category == "why_you_question"
    assert f.severity == "high"
    assert f.match == "Why didn't you"
    assert f.message and f.suggestion and f.explanation
    assert f.source.startswith("https://")
    assert set(f.to_dict()) == {
        "rule",
        "category",
        "severity",
        "start",
        "end",
        "match",
        "message",
        "suggestion",
        "explanation",
        "source",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.start = 3  # type: ignore[misc]


def test_suggestion_is_filled_from_the_match():
    (f,) = analyze("Priya should have checked the replica lag before promoting it.")
    assert "checking the replica lag" in f.suggestion
    (f,) = analyze("Sam forgot to update the config.")
    assert "Sam" in f.suggestion


def test_rules_version_and_categories():
    assert RULES_VERSION
    assert len(load_rules().categories) == 25


def test_empty_and_clean_text():
    assert analyze("") == []
    assert analyze("The error rate climbed to 12% for eighteen minutes.") == []


# --- Offsets -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "🔥🔥 Why didn't you roll back? 🙃",
        "Line one.\r\nSam should have checked the logs.\r\nThird line.",
        "**Root cause:** human error.\n\n- Sam *forgot to* update the config",
        "## Timeline\n\n1. 10:02 — the on-call wasn't paying attention\n",
        "Ünïcödé first: Kwame shouldn't have run the migration.",
        "İstanbul office: Why didn't you page the DBA?",
    ],
)
def test_offsets_point_into_the_original_text(text):
    assert assert_offsets(text)


def test_offsets_with_length_changing_lowercase():
    # "İ".lower() is two characters; the engine must still report offsets
    # into the original string.
    text = "İİİ Who pushed this to prod?"
    (f,) = assert_offsets(text)
    assert f.match == "Who pushed"


# --- Context rules -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The alert should have fired at 5%.",
        "The job failed to acquire the lock.",
        "We failed over to the replica.",
        "The deploy simply stopped.",
        "We didn't have a runbook.",
        "The client ignored the Retry-After header.",
        "The cron job failed again at 03:00.",
    ],
)
def test_system_subjects_are_left_alone(text):
    assert analyze(text) == []


def test_human_subjects_are_flagged():
    assert categories("The on-call engineer should have paged the DBA.") == {
        "counterfactual_should"
    }
    assert categories("The SRE on duty should have paged the DBA.") == {"counterfactual_should"}
    assert categories("Whoever reviewed this should have caught it.") == {"counterfactual_should"}
    assert categories("Priya failed to acknowledge the page.") == {"failed_to_omission"}


def test_forward_looking_should():
    assert analyze("We should add a canary stage.") == []
    assert analyze("Next quarter we should have a proper staging cluster.") == []
    assert categories("We should have added a canary stage.") == {"counterfactual_should"}


def test_we_is_a_gentler_counterfactual():
    (f,) = analyze("We should have rolled back sooner.")
    assert f.severity == "low"
    (f,) = analyze("Sam should have rolled back sooner.")
    assert f.severity == "medium"


@pytest.mark.parametrize(
    "text",
    [
        "I had just finished the migration when the page came in.",
        "The errors started just after the deploy.",
        "We kept the old replica just in case.",
        "She had just rolled back when the second alert fired.",
    ],
)
def test_temporal_just(text):
    assert analyze(text) == []


def test_minimizing_just():
    assert categories("He just had to flip the flag back.") == {"minimizing_just_simply"}


def test_genuine_and_rhetorical_questions():
    assert analyze("What were you thinking about when the second page came in?") == []
    assert analyze("What were you looking at when you decided to fail over?") == []
    assert analyze("How did you decide when to escalate?") == []
    assert "rhetorical_accusation" in categories("What were you thinking?!")
    assert categories("How could you not see the banner?") == {"rhetorical_accusation"}


def test_roster_who_and_culprit_who():
    assert analyze("Who was on call that night?") == []
    assert analyze("Who else should we talk to?") == []
    assert analyze("Who can take the action item?") == []
    assert analyze("The engineer who merged the fix also wrote the test.") == []
    assert categories("Who pushed this config to prod?") == {"who_culprit_question"}


def test_why_about_systems_is_fine():
    assert analyze("Why did the alert not fire?") == []
    assert categories("Why didn't the on-call escalate?") == {"why_you_question"}


def test_neutral_first_person_accounts():
    for text in [
        "I ran the script against prod at 09:12.",
        "I made a mistake in the hostname and we caught it in review.",
        "I didn't check the replica lag because the dashboard showed green.",
        "I forgot the VPN was required, which cost me ten minutes.",
    ]:
        assert analyze(text) == [], text


def test_self_blame_is_gentle():
    (f,) = analyze("I'm such an idiot.")
    assert f.category == "self_blame"
    assert f.severity == "low"
    assert "candour" in f.suggestion


# --- Markdown and quotations -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'The customer wrote: "your engineer clearly didn\'t test this".',
        "Sam said “I should have checked the replica” in the review.",
        "Dana typed 'who pushed this?' in chat.",
        "> Why didn't you roll back?",
        "Notes:\n\n> Sam should have checked the logs.\n> Who pushed this?\n\nBack to facts.",
        "Run `git blame` to see the change.",
        "The log said `operator error: budget exhausted`.",
        "```\nwhy didn't you roll back\nhuman error\n```",
        "~~~text\nSam forgot to update the config\n~~~\nThe fix shipped.",
    ],
)
def test_quotes_code_and_blockquotes_are_skipped(text):
    assert analyze(text) == []


def test_text_after_code_is_still_checked():
    text = "```\nok\n```\nSam forgot to update the config."
    findings = assert_offsets(text)
    assert [f.category for f in findings] == ["failed_to_omission"]


def test_scare_quotes_are_sarcasm_but_labels_are_not():
    assert categories('The change was "tested" in staging.') == {"sarcasm"}
    assert analyze('The "tested" label only means it passed QA.') == []


def test_contractions_do_not_open_quotations():
    text = "It's late and I can't tell, but Sam shouldn't have run the migration."
    assert categories(text) == {"counterfactual_should"}


# --- Dismissal and allow-list ------------------------------------------------------


def test_inline_dismissal_of_everything():
    text = "Why didn't you roll back? <!-- coach: ok -->"
    assert analyze(text) == []


def test_inline_dismissal_of_one_rule_or_category():
    text = "Why didn't you roll back? Sam forgot to update the config."
    assert categories(text) == {"why_you_question", "failed_to_omission"}
    assert categories(text + " <!-- coach: ok why-you -->") == {"failed_to_omission"}
    assert categories(text + " <!-- coach: ok failed_to_omission, why-you -->") == set()


def test_dismissed_parameter():
    text = "Why didn't you roll back?"
    assert analyze(text, dismissed={"why-you"}) == []
    assert analyze(text, dismissed={"why_you_question"}) == []


def test_allow_list_ids_categories_and_phrases():
    text = "The root cause was human error, and Sam forgot to update the config."
    assert "human_error_label" in categories(text)
    assert "human_error_label" not in categories(text, allow=["human_error_label"])
    assert "human_error_label" not in categories(text, allow=["human-error"])
    assert "human_error_label" not in categories(text, allow=["Human Error"])
    assert "failed_to_omission" in categories(text, allow=["Human Error"])


# --- Rules as data -------------------------------------------------------------------


def test_rules_can_be_added_as_data():
    data = {
        "version": "test",
        "categories": {
            "animated_language": {
                "severity": "low",
                "message": "Strong word.",
                "explanation": "x",
                "reframes": ["State the data."],
                "source": "https://example.org",
            }
        },
        "rules": [
            {
                "id": "kaboom",
                "category": "animated_language",
                "keywords": ["kaboom"],
                "triggers": [r"\bkaboom\b"],
            }
        ],
    }
    ruleset = parse_rules(data)
    assert ruleset.version == "test"
    assert ruleset.by_keyword["kaboom"]


def test_bad_rules_are_rejected():
    with pytest.raises(ValueError, match="unknown category"):
        parse_rules({"categories": {}, "rules": [{"id": "x", "category": "nope", "triggers": []}]})
    with pytest.raises(ValueError):
        load_rules("../etc")


def test_no_web_framework_import():
    package = pathlib.Path(__file__).resolve().parents[1]
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import django" not in source and "from django" not in source, path


# --- Properties ----------------------------------------------------------------------

_CORPUS = [e.text for e in read_examples(DEFAULT_CORPUS)]
_MARKUP = ["`", "```\n", "> ", '"', "'", "“", "”", "\r\n", "\n", "<!-- coach: ok -->", "!!", "İ"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_never_raises_and_offsets_are_valid_on_arbitrary_text(text):
    assert_offsets(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_CORPUS), st.sampled_from(_MARKUP), st.text(max_size=8)),
        max_size=8,
    )
)
def test_offsets_are_valid_on_mixed_prose_and_markup(parts):
    assert_offsets("".join(parts))


def _all_triggers(text: str) -> list[tuple[str, int, int]]:
    # Reference: run every trigger of every rule, with no keyword gating.
    from marblejar.coach import engine

    ruleset = load_rules()
    low = text.lower()
    low = low if len(low) == len(text) else None
    state: dict[str, object] = {"ruleset": ruleset}
    found = []
    for rule in ruleset.rules:
        found.extend(engine._matches(rule, list(rule.triggers), text, low, state))
    kept = engine._resolve(found, {r.id: r for r in ruleset.rules}) if found else []
    return sorted({(f.category, f.start, f.end) for f in kept})


def test_keyword_gating_loses_nothing_on_the_corpus():
    # The prefilter only skips work: a gated analysis finds what running every
    # trigger finds (same categories at the same places).
    for text in _CORPUS:
        gated = sorted({(f.category, f.start, f.end) for f in analyze(text)})
        full = _all_triggers(text)
        assert {c for c, _, _ in gated} == {c for c, _, _ in full}, text
