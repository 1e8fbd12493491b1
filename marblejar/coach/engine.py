"""Apply the language rules (data in ``rules/<lang>.toml``) to a text.

Design notes
------------
* Rules are data; this module only knows how to compile and apply them.
* Speed comes from a keyword prefilter: a text is lower-cased and split into
  word tokens once, and only rules that share a keyword with it run their
  regular expressions. Most sentences in a review contain none of the
  keywords and leave after one ``findall`` and a set intersection.
* Context (code, quotations, grammatical subject, questions) is only computed
  when a trigger has matched, and at most once per text.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import resources
from string import Formatter

from . import context

SEVERITIES = ("high", "medium", "low", "info")

# "<!-- coach: ok -->" dismisses everything in the text;
# "<!-- coach: ok rule-or-category, other -->" dismisses only those.
DISMISS_RE = re.compile(r"<!--\s*coach\s*:\s*ok\b([^>]*?)-->", re.I)

_TOKEN_RE = re.compile(r"[a-z0-9@]+(?:'[a-z]+)*")
_VOCAB_REF_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_FIELD_NAMES = Formatter()


@dataclass(frozen=True, slots=True)
class Finding:
    """One phrase the coach would like the writer to reconsider."""

    rule: str
    category: str
    severity: str
    start: int
    end: int
    match: str
    message: str
    suggestion: str
    explanation: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Trigger:
    """One pattern, compiled twice.

    ``fast`` runs case-sensitively on the lower-cased text without a leading
    word boundary: Python's regex engine can then skip ahead on the first
    character, which makes it several times faster than an IGNORECASE pattern
    starting with \\b. The boundary is checked in code (``bounded``).
    ``slow`` is the plain case-insensitive pattern, used for the rare text
    whose length changes when lower-cased.
    """

    source: str
    slow: re.Pattern[str]
    fast: re.Pattern[str]
    bounded: bool
    # Has case-sensitive parts (names): a fast hit is only a candidate and is
    # confirmed by ``slow`` at the same position on the original text.
    cased: bool = False

    @property
    def pattern(self) -> str:
        return self.source


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    severity: str
    keywords: frozenset[str]
    triggers: tuple[Trigger, ...]
    message: str
    explanation: str
    reframes: tuple[str, ...]
    source: str
    exceptions: tuple[re.Pattern[str], ...] = ()
    not_before: re.Pattern[str] | None = None
    # Must match right before the trigger: lets a trigger start with a rare
    # literal ("on Sam") while the common words before it are checked only
    # for candidates.
    before: re.Pattern[str] | None = None
    # At least one of these substrings must be in the text (e.g. quote marks).
    requires: tuple[str, ...] = ()
    not_after: re.Pattern[str] | None = None
    subject: str = "any"  # any | human | not_system | third_party
    subject_search: str = "before"  # before | around
    skip_subjects: frozenset[str] = frozenset()
    self_category: str = ""
    severity_self: str = ""
    severity_we: str = ""
    question: bool = False
    in_quotes: bool = False
    suppresses: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleSet:
    language: str
    version: str
    rules: tuple[Rule, ...]
    categories: dict[str, dict[str, object]] = field(default_factory=dict)
    # keyword -> (rule, trigger index) pairs that may match when the keyword
    # is present; rules without keywords always run.
    by_keyword: dict[str, frozenset[int]] = field(default_factory=dict)
    always: frozenset[int] = frozenset()
    keywords: frozenset[str] = frozenset()
    # Every (rule, trigger) pair in file order; the keyword index refers to
    # positions in this tuple.
    slots: tuple[tuple[Rule, Trigger], ...] = ()
    ids: frozenset[str] = frozenset()


# --- Loading -----------------------------------------------------------------


def _expand(pattern: str, vocab: dict[str, str], depth: int = 0) -> str:
    if depth > 8:
        raise ValueError(f"vocabulary nesting too deep in {pattern!r}")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in vocab:
            raise ValueError(f"unknown vocabulary entry {{{name}}}")
        return "(?:" + _expand(vocab[name], vocab, depth + 1) + ")"

    return _VOCAB_REF_RE.sub(sub, pattern)


_ESCAPE_RE = re.compile(r"\\[A-Za-z]")
_RUN_RE = re.compile(r"[a-z0-9']+")


def _trigger_keywords(pattern: str, keywords: frozenset[str]) -> frozenset[str]:
    """The rule keywords a single trigger can plausibly need.

    A rule's keywords gate all of its triggers; gating each trigger by the
    keywords that share a literal word-piece with its pattern means a rule
    with twenty triggers runs one or two of them, not twenty. When no piece
    relates to any keyword (e.g. a pattern of punctuation), fall back to all
    of them: the result may be too wide, never too narrow for a keyword that
    appears literally in the pattern.
    """
    runs = set(_RUN_RE.findall(_ESCAPE_RE.sub(" ", pattern).lower().replace("['’]", "'")))
    related = frozenset(
        kw
        for kw in keywords
        for run in runs
        if kw == run or (len(run) >= 3 and run in kw) or (len(kw) >= 4 and kw in run)
    )
    return related or keywords


def _compile(pattern: str, vocab: dict[str, str], rule_id: str) -> re.Pattern[str]:
    try:
        return re.compile(_expand(pattern, vocab), re.I)
    except (re.error, ValueError) as exc:
        raise ValueError(f"rule {rule_id}: bad pattern {pattern!r}: {exc}") from exc


def _lowercase_pattern(pattern: str) -> str:
    """Lower-case the literal letters of a pattern, leaving escapes (\\S, \\W,
    \\B ...) alone, so that it matches lower-cased text without IGNORECASE."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?P", i):
            out.append("(?P")
            i += 3
            continue
        out.append(c.lower())
        i += 1
    return "".join(out)


# Case-sensitive fragments (names) become "any word" in the fast pattern; the
# engine checks the original spelling of the "who" group afterwards.
_CASED_RE = re.compile(r"\(\?-i:")


def _compile_trigger(pattern: str, vocab: dict[str, str], rule_id: str) -> Trigger:
    slow = _compile(pattern, vocab, rule_id)
    expanded = _expand(pattern, vocab)
    bounded = expanded.startswith("\\b")
    fast_src = _lowercase_pattern(expanded[2:] if bounded else expanded)
    fast_src = _CASED_RE.sub("(?:", fast_src)
    try:
        fast = re.compile(fast_src)
    except re.error as exc:  # pragma: no cover - guarded by the slow compile
        raise ValueError(f"rule {rule_id}: bad pattern {pattern!r}: {exc}") from exc
    return Trigger(expanded, slow, fast, bounded, "(?-i:" in expanded)


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _iter_matches(trigger: Trigger, text: str, low: str | None) -> Iterable[re.Match[str]]:
    if low is None:
        yield from trigger.slow.finditer(text)
        return
    pattern = trigger.fast
    pos = 0
    n = len(low)
    while pos <= n:
        m = pattern.search(low, pos)
        if m is None:
            return
        start = m.start()
        if trigger.bounded:
            before = start > 0 and _is_word(low[start - 1])
            after = start < n and _is_word(low[start])
            if before == after:
                # Not at a word boundary: look again one character later, as
                # finditer on the bounded pattern would have.
                pos = start + 1
                continue
        if trigger.cased:
            confirmed = trigger.slow.match(text, start)
            if confirmed is None:
                pos = start + 1
                continue
            m = confirmed
        yield m
        pos = m.end() if m.end() > start else start + 1


def parse_rules(data: dict[str, object], language: str = "en") -> RuleSet:
    """Compile a parsed rule file (see docs/coach.md for the format)."""
    vocab = {k: str(v) for k, v in dict(data.get("vocab", {})).items()}  # type: ignore[arg-type]
    categories: dict[str, dict[str, object]] = dict(data.get("categories", {}))  # type: ignore[arg-type]
    rules: list[Rule] = []
    for raw in data.get("rules", []):  # type: ignore[union-attr]
        spec = dict(raw)
        rid = str(spec["id"])
        cat = str(spec["category"])
        if cat not in categories:
            raise ValueError(f"rule {rid}: unknown category {cat}")
        defaults = categories[cat]

        def pick(key: str, spec: dict[str, object] = spec, defaults=defaults) -> object:
            return spec.get(key, defaults.get(key, ""))

        severity = str(pick("severity"))
        if severity not in SEVERITIES:
            raise ValueError(f"rule {rid}: severity {severity!r} not one of {SEVERITIES}")
        keywords = frozenset(str(k).lower().replace("’", "'") for k in spec.get("keywords", []))
        for kw in keywords:
            if kw != "!!" and not _TOKEN_RE.fullmatch(kw):
                raise ValueError(f"rule {rid}: keyword {kw!r} must be a single word")

        def opt(key: str, spec: dict[str, object] = spec, rid: str = rid) -> re.Pattern[str] | None:
            if key not in spec:
                return None
            if key in {"not_before", "before"}:
                return _compile(r"(?:" + str(spec[key]) + r")[\s,]*$", vocab, rid)
            return _compile(r"[\s,]*(?:" + str(spec[key]) + r")", vocab, rid)

        rules.append(
            Rule(
                id=rid,
                category=cat,
                severity=severity,
                keywords=keywords,
                triggers=tuple(_compile_trigger(p, vocab, rid) for p in spec["triggers"]),
                message=str(pick("message")),
                explanation=str(pick("explanation")),
                reframes=tuple(str(x) for x in pick("reframes") or ()),  # type: ignore[union-attr]
                source=str(pick("source")),
                exceptions=tuple(_compile(p, vocab, rid) for p in spec.get("exceptions", [])),
                not_before=opt("not_before"),
                before=opt("before"),
                requires=tuple(str(x) for x in spec.get("requires", [])),
                not_after=opt("not_after"),
                subject=str(spec.get("subject", "any")),
                subject_search=str(spec.get("subject_search", "before")),
                skip_subjects=frozenset(spec.get("skip_subjects", [])),
                self_category=str(spec.get("self_category", "")),
                severity_self=str(spec.get("severity_self", "")),
                severity_we=str(spec.get("severity_we", "")),
                question=bool(spec.get("question", False)),
                in_quotes=bool(spec.get("in_quotes", False)),
                suppresses=frozenset(spec.get("suppresses", [])),
            )
        )
    index: dict[str, set[int]] = {}
    always: set[int] = set()
    slots: list[tuple[Rule, Trigger]] = []
    for rule in rules:
        for trigger in rule.triggers:
            slot = len(slots)
            slots.append((rule, trigger))
            if not rule.keywords:
                always.add(slot)
            for kw in _trigger_keywords(trigger.pattern, rule.keywords):
                index.setdefault(kw, set()).add(slot)
    return RuleSet(
        language=language,
        version=str(data.get("version", "0")),
        rules=tuple(rules),
        categories=categories,
        by_keyword={k: frozenset(v) for k, v in index.items()},
        always=frozenset(always),
        keywords=frozenset(index),
        slots=tuple(slots),
        ids=frozenset(r.id for r in rules),
    )


@functools.cache
def load_rules(language: str = "en") -> RuleSet:
    """Read and compile ``rules/<language>.toml`` once per process."""
    if not re.fullmatch(r"[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?", language):
        raise ValueError(f"bad language code {language!r}")
    path = resources.files(__package__).joinpath("rules", f"{language}.toml")
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return parse_rules(data, language)


# --- Applying -------------------------------------------------------------------


def _person_label(subj: context.Subject) -> str:
    word = subj.word
    kind = subj.kind
    low = word.lower()
    if kind == "self":
        return "you"
    if kind == "we":
        return "the team"
    if kind in {"person", "team"}:
        if low in {"you", "u"}:
            return "you"
        if low in context.HUMAN_PRONOUNS:
            return "they"
        bare = word.removesuffix("'s").removesuffix("’s")
        if context.is_name(word) or word.startswith("@") or word.endswith("@"):
            return bare
        if kind == "team" and low not in {"team", "squad", "crew", "group"}:
            return bare  # "QA", "Ops", "Frontend": a team's own name
        return "the " + bare.lower()
    return ""


def _fill(templates: tuple[str, ...], values: dict[str, str]) -> str:
    for template in templates:
        names = {name for _, name, _, _ in _FIELD_NAMES.parse(template) if name}
        if all(values.get(n) for n in names):
            return template.format(**values)
    return ""


_SPACES_RE = re.compile(r"\s+")
_DETERMINER_RE = re.compile(r"(?i)(?:the|our|their|that)\s")


def _clean_phrase(phrase: str) -> str:
    return _SPACES_RE.sub(" ", phrase).strip(" ,.;:!?\"'“”")


def _group(text: str, m: re.Match[str], name: str) -> str:
    if name not in m.re.groupindex:
        return ""
    start, end = m.span(name)
    return text[start:end] if start >= 0 else ""


def _subject_for(rule: Rule, text: str, m: re.Match[str]) -> context.Subject:
    who = _group(text, m, "who")
    if who:
        words = context._WORD_RE.findall(who)
        if words:
            head = words[-1]
            initial = m.start("who") == context.sentence_bounds(text, m.start(), m.start())[0]
            subj = context.classify_word(head, sentence_initial=initial)
            if subj.kind == "unknown" and len(words) > 1:
                subj = context.classify_word(words[0], sentence_initial=initial)
            return subj
    subj = context.subject_before(text, m.start())
    if rule.subject_search == "around" and subj.kind in {
        "unknown",
        "implicit",
        "system",
        "pronoun",
    }:
        after = context.subject_after(text, m.end())
        if after.kind != "unknown" and (subj.kind != "system" or after.kind != "system"):
            return after if subj.kind != "system" or after.human else subj
    return subj


def _subject_ok(rule: Rule, subj: context.Subject) -> bool:
    if subj.kind in rule.skip_subjects:
        return False
    if rule.subject == "any":
        return True
    if rule.subject == "not_system":
        return subj.kind != "system"
    if rule.subject == "human":
        return subj.human
    if rule.subject == "third_party":
        return subj.kind in {"person", "team"}
    return True


def _matches(
    rule: Rule, triggers: list[Trigger], text: str, low: str | None, state: dict[str, object]
) -> Iterable[Finding]:
    for trigger in triggers:
        for m in _iter_matches(trigger, text, low):
            # A trigger may need context it should not underline (a clause
            # opener, a comma); the named group "hit" marks the part to report.
            start, end = m.span("hit") if "hit" in m.re.groupindex else m.span()
            if start < 0:
                start, end = m.span()
            if start == end:
                continue
            spans = state.get("spans")
            if spans is None:
                spans = state["spans"] = context.skipped_spans(text)
            kinds = (context.CODE,) if rule.in_quotes else (context.CODE, context.QUOTE)
            if spans.hits(start, end, kinds=kinds):  # type: ignore[attr-defined]
                continue
            if rule.not_before is not None and rule.not_before.search(
                text, max(0, start - 60), start
            ):
                continue
            if rule.not_after is not None and rule.not_after.match(text, end, end + 60):
                continue
            if rule.before is not None and not rule.before.search(text, max(0, start - 80), start):
                continue
            if rule.exceptions or rule.question:
                lo, hi = context.sentence_bounds(text, start, end)
                if any(x.search(text, lo, hi) for x in rule.exceptions):
                    continue
                if rule.question and "?" not in text[start:hi]:
                    continue
            subj = _subject_for(rule, text, m)
            if not _subject_ok(rule, subj):
                continue
            category, severity = rule.category, rule.severity
            if subj.kind == "self" and rule.self_category:
                category = rule.self_category
            if subj.kind == "self" and rule.severity_self:
                severity = rule.severity_self
            elif subj.kind == "we" and rule.severity_we:
                severity = rule.severity_we
            values = {
                k: _clean_phrase(text[a:b])
                for k in m.re.groupindex
                if k != "hit" and (a := m.start(k)) >= 0 and (b := m.end(k)) > a
            }
            values["match"] = _clean_phrase(text[start:end])
            if "action" in values:
                values["action_ing"] = context.gerund_phrase(values["action"])
            person = _person_label(subj)
            who = values.get("who", "")
            if subj.kind in {"person", "team"} and _DETERMINER_RE.match(who):
                # "the payments team" reads better than the bare head noun.
                person = (who[0].lower() + who[1:]).removesuffix("'s").removesuffix("’s")
            if person:
                values["person"] = person
            if category != rule.category:
                # Re-categorised (e.g. harsh words about oneself): use the
                # wording of the category that now applies.
                cat = state["ruleset"].categories[category]  # type: ignore[index]
                message = str(cat.get("message", rule.message))
                explanation = str(cat.get("explanation", rule.explanation))
                reframes = tuple(cat.get("reframes", rule.reframes))  # type: ignore[arg-type]
                source = str(cat.get("source", rule.source))
                severity = str(cat.get("severity", severity))
            else:
                message, explanation = rule.message, rule.explanation
                reframes, source = rule.reframes, rule.source
            yield Finding(
                rule=rule.id,
                category=category,
                severity=severity,
                start=start,
                end=end,
                match=text[start:end],
                message=message,
                suggestion=_fill(reframes, values),
                explanation=explanation,
                source=source,
            )


# Characters stripped from both ends of a whitespace-separated word. split()
# plus strip() is several times cheaper than a regular expression or
# str.translate over every text, and most texts end the analysis here.
_STRIP = ".,;:!?\"'“”‘’()[]{}<>/\\|*_`~=+#%^&$…«»"


def _tokens(low: str, text: str) -> set[str]:
    if "-" in low or "/" in low:
        low = low.replace("-", " ").replace("/", " ")
    if "’" in low:
        low = low.replace("’", "'")
    tokens = {w.strip(_STRIP) for w in low.split()}
    if "'" in low:
        # "i'm" also counts as "i", "didn't" as "didn": a pattern written as
        # I{A}m is gated by the word before the apostrophe.
        tokens |= {t.partition("'")[0] for t in tokens if "'" in t}
    if "!!" in text or "?!" in text or "!?" in text:
        tokens.add("!!")
    return tokens


def _dismissals(text: str) -> tuple[bool, set[str]]:
    everything = False
    names: set[str] = set()
    for m in DISMISS_RE.finditer(text):
        listed = [x for x in re.split(r"[\s,]+", m.group(1).strip()) if x]
        if listed:
            names.update(listed)
        else:
            everything = True
    return everything, names


def _allowed_phrase_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    low = text.lower()
    spans = []
    for phrase in phrases:
        p = phrase.lower()
        if not p:
            continue
        i = low.find(p)
        while i != -1:
            spans.append((i, i + len(p)))
            i = low.find(p, i + 1)
    return spans


_PLAN_CACHE: dict[tuple[int, frozenset[str]], tuple[tuple[Rule, tuple[Trigger, ...]], ...]] = {}


def _plan(ruleset: RuleSet, hits: frozenset[str]) -> tuple[tuple[Rule, tuple[Trigger, ...]], ...]:
    """Rules and triggers to run for a set of keywords, in file order.

    Texts share keyword combinations ({"should"}, {"why", "didn't"} ...), so
    the plan is memoised; the cache is bounded by clearing it when full.
    """
    key = (id(ruleset), hits)
    plan = _PLAN_CACHE.get(key)
    if plan is not None:
        return plan
    by_kw = ruleset.by_keyword
    selected = set(ruleset.always).union(*(by_kw[t] for t in hits))
    grouped: dict[str, tuple[Rule, list[Trigger]]] = {}
    for slot in sorted(selected):
        rule, trigger = ruleset.slots[slot]
        if rule.id in grouped:
            grouped[rule.id][1].append(trigger)
        else:
            grouped[rule.id] = (rule, [trigger])
    plan = tuple((rule, tuple(triggers)) for rule, triggers in grouped.values())
    if len(_PLAN_CACHE) >= 4096:
        _PLAN_CACHE.clear()
    _PLAN_CACHE[key] = plan
    return plan


def analyze(
    text: str,
    *,
    allow: Iterable[str] = (),
    dismissed: Iterable[str] = (),
    language: str = "en",
) -> list[Finding]:
    """Findings for ``text``, sorted by position.

    ``allow`` is the project-level allow-list: rule ids or category ids to
    switch off, and any other entry is a literal phrase (case-insensitive)
    that is never flagged. ``dismissed`` holds rule or category ids the writer
    has dismissed for this text, in addition to inline markers.
    """
    if not text:
        return []
    ruleset = load_rules(language)
    lowered = text.lower()
    tokens = _tokens(lowered, text)
    hits = tokens & ruleset.keywords
    if not hits and not ruleset.always:
        return []
    plan = _plan(ruleset, frozenset(hits))
    candidates = {rule.id: rule for rule, _ in plan}

    off = set(dismissed)
    phrases: list[str] = []
    if allow:
        for item in allow:
            if item in ruleset.categories or item in candidates or item in ruleset.ids:
                off.add(item)
            else:
                phrases.append(item)
    if "coach" in text and "<!--" in text:
        everything, names = _dismissals(text)
        if everything:
            return []
        off |= names

    state: dict[str, object] = {"ruleset": ruleset}
    # Offsets found in the lower-cased copy are only valid if lower-casing kept
    # every character in place (it does not for a few letters such as "İ").
    low = lowered if len(lowered) == len(text) else None
    found: list[Finding] = []
    for rule, triggers in plan:
        if off and (rule.id in off or rule.category in off):
            continue
        if rule.requires and not any(r in text for r in rule.requires):
            continue
        for trigger in triggers:
            # Most candidate triggers do not match: test that with one search
            # before paying for the generator and the context checks.
            if low is not None and trigger.fast.search(low) is None:
                continue
            found.extend(_matches(rule, [trigger], text, low, state))
    if off:
        found = [f for f in found if f.category not in off]
    if not found:
        return []
    if phrases:
        allowed = _allowed_phrase_spans(text, phrases)
        found = [f for f in found if not any(s < f.end and f.start < e for s, e in allowed)]
    return _resolve(found, {r.id: r for r in candidates.values()})


def _resolve(found: list[Finding], rules: dict[str, Rule]) -> list[Finding]:
    """Drop duplicates: one finding per category per overlapping stretch, and
    findings a more specific rule suppresses (``suppresses`` in the data)."""
    found.sort(key=lambda f: (f.start, -(f.end - f.start), f.category, f.rule))
    kept: list[Finding] = []
    reach = 0  # the largest end among kept findings, to stop scanning early
    for f in found:
        # Kept findings are in start order; only those that still reach past
        # f.start can overlap it, so scan back until none can.
        overlapping = []
        if reach > f.start:
            for k in reversed(kept):
                if k.start < f.end and f.start < k.end:
                    overlapping.append(k)
                if k.start + _MAX_SPAN < f.start:
                    break
        if any(
            k.category == f.category or f.category in rules[k.rule].suppresses for k in overlapping
        ):
            continue
        # A later, more specific finding may suppress one already kept.
        beaten = [k for k in overlapping if k.category in rules[f.rule].suppresses]
        if beaten:
            kept = [k for k in kept if k not in beaten]
        kept.append(f)
        reach = max(reach, f.end)
    return kept


# Longer than any single match the patterns can produce.
_MAX_SPAN = 1000
