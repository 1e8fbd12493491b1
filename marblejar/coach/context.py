"""Context checks that regular expressions alone cannot express well.

The engine finds candidate phrases with the patterns in the rule files; the
functions here decide whether a candidate really is what the rule is about:
is it inside code, a quotation or a blockquote, who is the grammatical
subject, is the sentence a question. Everything works on the original text so
that character offsets stay valid.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

# --- Markdown and quotation spans -------------------------------------------

_FENCE_RE = re.compile(
    r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]{0,3}(?P=fence)[ \t]*$|\Z)",
    re.M | re.S,
)
_INLINE_CODE_RE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_BLOCKQUOTE_RE = re.compile(r"^[ \t]{0,3}>[^\n]*", re.M)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
# Quoted speech. Apostrophes inside words (didn't, team's) must not open or
# close a single-quoted span, otherwise every contraction would hide text.
_QUOTE_RES = (
    (('"',), re.compile(r'"[^"\n]{1,400}"')),
    (("“",), re.compile(r"“[^”\n]{0,400}”")),
    (("«",), re.compile(r"«[^»\n]{0,400}»")),
    (
        (" '", "('", "['", "\n'", "\t'"),
        re.compile(r"(?<![\w'])'(?=\S)(?:[^'\n]|(?<=\w)'(?=\w)){1,400}?(?<=\S)'(?!\w)"),
    ),
    (("‘",), re.compile(r"(?<![\w’])‘(?=\S)(?:[^’\n]|(?<=\w)’(?=\w)){1,400}?(?<=\S)’(?!\w)")),
)

CODE = "code"
QUOTE = "quote"


@dataclass(slots=True)
class Spans:
    """Sorted, possibly overlapping character ranges with a kind each."""

    starts: list[int]
    ends: list[int]
    kinds: list[str]

    def hits(self, start: int, end: int, *, kinds: tuple[str, ...]) -> bool:
        # Spans are few (usually none), so a bisect on starts then a short
        # scan backwards is plenty.
        i = bisect.bisect_left(self.starts, end)
        return any(self.ends[j] > start and self.kinds[j] in kinds for j in range(i - 1, -1, -1))


def skipped_spans(text: str) -> Spans:
    """Ranges the coach must not comment on: code, comments, quotations."""
    found: list[tuple[int, int, str]] = []
    if "```" in text or "~~~" in text:
        found += [(m.start(), m.end(), CODE) for m in _FENCE_RE.finditer(text)]
    if "`" in text:
        found += [(m.start(), m.end(), CODE) for m in _INLINE_CODE_RE.finditer(text)]
    if "<!--" in text:
        found += [(m.start(), m.end(), CODE) for m in _COMMENT_RE.finditer(text)]
    if ">" in text:
        found += [(m.start(), m.end(), QUOTE) for m in _BLOCKQUOTE_RE.finditer(text)]
    # Each quotation pattern only runs when its opening mark is present; for
    # straight single quotes, only when one follows a space or bracket, since
    # most apostrophes are contractions.
    for marks, pattern in _QUOTE_RES:
        for mark in marks:
            if mark in text:
                found += [(m.start(), m.end(), QUOTE) for m in pattern.finditer(text)]
                break
        else:
            if marks[0] == " '" and text[:1] == "'":
                found += [(m.start(), m.end(), QUOTE) for m in pattern.finditer(text)]
    found.sort()
    return Spans([s for s, _, _ in found], [e for _, e, _ in found], [k for _, _, k in found])


# --- Sentences ----------------------------------------------------------------


def _is_boundary(text: str, i: int) -> bool:
    # A full stop inside a token (5.4, v1.2, e.g., example.com) does not end
    # a sentence; one followed by a space or the end of the text does.
    if text[i] != ".":
        return True
    nxt = text[i + 1 : i + 2]
    return not nxt or nxt.isspace() or nxt in "\"')”’]"


_ENDER_RE = re.compile(r"[.!?\n;]")
# The boundaries of the text being analysed: every check on every candidate
# match asks for its sentence, so they are found once per text. One entry is
# enough because a text is analysed from start to finish before the next.
_last_boundaries: tuple[str, list[int]] = ("", [])


def _boundaries(text: str) -> list[int]:
    global _last_boundaries
    cached_text, cached = _last_boundaries
    if cached_text is text or cached_text == text:
        return cached
    found = [m.start() for m in _ENDER_RE.finditer(text) if _is_boundary(text, m.start())]
    _last_boundaries = (text, found)
    return found


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: its start and its end (inclusive of
    the closing punctuation)."""
    found = _boundaries(text)
    i = bisect.bisect_left(found, start)
    lo = found[i - 1] + 1 if i > 0 else 0
    j = bisect.bisect_left(found, end)
    n = len(text)
    if j >= len(found):
        return lo, n
    hi = found[j] + 1
    while hi < n and text[hi] in "!?.":
        hi += 1
    return lo, hi


def is_question(text: str, start: int, end: int) -> bool:
    lo, hi = sentence_bounds(text, start, end)
    tail = text[end:hi]
    return "?" in tail or "?" in text[start:end]


# --- Grammatical subject ------------------------------------------------------


def _words(block: str) -> list[str]:
    """Word lists are kept as readable blocks of text."""
    return block.split()


HUMAN_PRONOUNS = {
    "i": "self",
    "we": "we",
    "you": "person",
    "u": "person",
    "he": "person",
    "she": "person",
    "they": "person",
    "someone": "person",
    "somebody": "person",
    "nobody": "person",
    "anyone": "person",
    "anybody": "person",
    "everyone": "person",
    "everybody": "person",
    "whoever": "person",
    "y'all": "person",
    "yall": "person",
    "who": "person",
    "my": "self",
    "me": "self",
    "myself": "self",
    "our": "we",
    "us": "we",
    "your": "person",
    "his": "person",
    "her": "person",
    "their": "person",
    "him": "person",
    "them": "person",
}

ROLE_NOUNS = frozenset(
    _words(
        """
    on-call oncall engineer operator reviewer approver manager dev developer sre admin
    administrator lead author owner responder commander ic intern hire junior senior
    contractor dba tester programmer person people folk guy staff teammate colleague
    coworker co-worker human analyst architect designer pm director vp cto ceo
    founder maintainer committer assignee requester requestor specialist technician
    support agent rep employee newbie newcomer on-caller oncaller primary secondary
    facilitator
    """
    )
)

TEAM_NOUNS = frozenset(
    _words(
        """
    team squad crew department dept org organisation organization group ops devops
    secops netops infra sres qa frontend backend mobile platform security engineering
    networking dba
    """
    )
)

# Non-human heads: things that can "fail to", "should have fired", "ignore a
# header" without anyone being judged.
SYSTEM_NOUNS = frozenset(
    _words(
        """
    alert alarm job cache pipeline runbook playbook node deploy deployment service query
    script system server config configuration build cluster database db replica primary-db
    queue worker cron cronjob check monitor monitoring test suite process pod container host
    instance vm load balancer lb proxy gateway api endpoint request response client app
    application code change commit pr patch release rollout rollback migration schema table
    index lock disk volume memory cpu network dns certificate cert token key secret backup
    snapshot dashboard graph metric threshold page pager webhook bot automation tool tooling
    task function lambda handler controller scheduler operator-pod daemon agent-process
    feature flag toggle rule policy limit quota timeout retry retries breaker circuit
    firewall router switch link cable region zone datacenter cdn cache-layer storage bucket
    file log logs path hotfix fix message event stream topic consumer producer connection
    pool thread
    library dependency package version image binary compiler linter ci cd runner
    integration provider vendor upstream downstream canary probe healthcheck health-check
    it this that these those which there everything nothing something anything data
    traffic load latency error errors exception warning warnings signal signals screen ui
    form button page-load email ticket queue-depth counter gauge sensor wiki doc docs
    documentation template checklist procedure form-field kernel os firmware driver
    plan step steps model cluster-autoscaler autoscaler controller-manager
    loader parser reader writer importer exporter resolver wrapper adapter iterator
    evaluator validator serializer renderer crawler fetcher
    """
    )
)

# Capitalised words that are not people: products, days, months, common
# sentence openers that a list of system nouns would not catch.
NOT_NAMES = frozenset(
    _words(
        """
    redis kafka postgres postgresql mysql kubernetes k8s terraform ansible jenkins github
    gitlab aws gcp azure linux nginx envoy istio helm docker consul vault elasticsearch
    grafana prometheus pagerduty slack datadog sentry cloudflare django celery python java
    go node rabbitmq memcached mongo mongodb cassandra spark airflow argo vercel heroku
    monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december the a an our their his her
    my your its this that these those then when while after before during if because
    since although though and but or so also yesterday today tomorrow tonight later
    again however still nobody everyone someone anyone everything nothing something
    there here why what who how where which whatever whoever everybody somebody
    staging production prod dev qa ci cd dns bgp cdn tls ssl api http https json yaml
    sql ok okay yes no please thanks thank sorry note notes step steps action actions
    timeline summary impact root cause trigger detection resolution follow-up lessons
    what's it's let's overall monitoring alerting alerts alert logging logs
    """
    )
)

_NOUN_SUFFIXES = (
    "tion",
    "sion",
    "ment",
    "ing",
    "ness",
    "ity",
    "ance",
    "ence",
    "ics",
    "ogy",
    "ism",
    "ship",
    "ery",
    "age",
    "ure",
    "ware",
    "base",
    "flow",
    "ops",
    "work",
    "works",
)

_SKIP_WORDS = frozenset(
    _words(
        """
    really probably clearly obviously definitely also just simply honestly certainly
    surely then still absolutely totally maybe perhaps likely arguably frankly
    literally basically already ever even all both each themselves himself herself
    themself myself ourselves yourself yourselves completely entirely again once
    at least had has have having has been was were is are be been would will could
    did does do not never n't always usually often sometimes actually truly
    """
    )
)

_WORD_RE = re.compile(r"@?[\w][\w@'’-]*|[,;:()\[\]\"“”]")
_CLAUSE_OPENERS = frozenset({"who", "which", "whose", "whom", "that"})
_DEMONSTRATIVES = frozenset({"it", "this", "that", "these", "those", "which", "there"})
_PREPOSITIONS = frozenset({"on", "in", "at", "of", "from", "for", "with", "during"})


@dataclass(frozen=True, slots=True)
class Subject:
    """kind: self | we | person | team | system | pronoun | unknown | implicit."""

    kind: str
    word: str = ""

    @property
    def human(self) -> bool:
        return self.kind in {"self", "we", "person", "team", "implicit"}


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def classify_word(word: str, *, sentence_initial: bool = False) -> Subject:
    """What kind of thing a single head word names."""
    lower = word.lower().replace("’", "'")
    if lower.endswith("'s"):
        lower = lower[:-2]
    if lower in HUMAN_PRONOUNS:
        return Subject(HUMAN_PRONOUNS[lower], word)
    if word.startswith("@") or (lower.endswith("@") and len(lower) > 1):
        return Subject("person", word)
    if lower in _DEMONSTRATIVES:
        # "It was negligent to ...", "this should have fired": not a person,
        # but not clearly a system either; rules decide what that means.
        return Subject("pronoun", word)
    single = _singular(lower)
    if lower in TEAM_NOUNS or single in TEAM_NOUNS:
        return Subject("team", word)
    if lower in ROLE_NOUNS or single in ROLE_NOUNS:
        return Subject("person", word)
    if lower in SYSTEM_NOUNS or single in SYSTEM_NOUNS:
        return Subject("system", word)
    if is_name(word, sentence_initial=sentence_initial):
        return Subject("person", word)
    return Subject("unknown", word)


def is_name(word: str, *, sentence_initial: bool = False) -> bool:
    """A capitalised word that is plausibly a person's name (or a handle)."""
    if word.startswith("@") or word.endswith("@"):
        return len(word) > 1
    if len(word) < 2 or not word[0].isupper():
        return False
    rest = word[1:].replace("’", "'").removesuffix("'s")
    # All-caps words are acronyms (DNS, API), not names.
    if not rest or not rest.replace("-", "").isalpha() or rest.isupper():
        return False
    lower = word.lower().replace("’", "'").removesuffix("'s")
    if lower in NOT_NAMES or lower in SYSTEM_NOUNS or _singular(lower) in SYSTEM_NOUNS:
        return False
    if sentence_initial and lower in _SKIP_WORDS:
        return False
    # Names rarely end like abstract nouns ("Replication", "Alerting").
    return not (len(lower) > 5 and lower.endswith(_NOUN_SUFFIXES))


def subject_before(text: str, pos: int, *, max_words: int = 12) -> Subject:
    """The grammatical subject of the clause that ends at ``pos``.

    A deliberately small heuristic: walk back over adverbs and auxiliaries,
    jump over a parenthetical ", who was on call," and classify the first
    content word. "the on-call engineer" ends in a role noun, "the deploy
    script" in a system noun.
    """
    lo, _ = sentence_bounds(text, pos, pos)
    # Twelve words back is all the walk below ever looks at.
    words = _WORD_RE.findall(text, max(lo, pos - 120), pos)
    if not words:
        return Subject("implicit")
    seen = 0
    i = len(words) - 1
    while i >= 0 and seen < max_words:
        w = words[i]
        lw = w.lower().replace("’", "'")
        if lw in {",", ")", "]"}:
            # ", who was on call," or "(the primary)" : skip back over the
            # aside if it is a relative clause; otherwise stop here.
            j = i - 1
            while j >= 0 and words[j] not in {",", "(", "[", ";", ":"}:
                j -= 1
            seg = [x.lower() for x in words[j + 1 : i]]
            if seg and (seg[0] in _CLAUSE_OPENERS or words[j] in {"(", "["}) and j >= 0:
                i = j - 1
                continue
            if i == len(words) - 1 or not seg:
                # "Honestly, should have ..." : nothing usable after the comma.
                i -= 1
                continue
            return Subject("unknown", w)
        if lw in {"(", "[", ";", ":", '"', "“", "”"}:
            return Subject("unknown", w)
        if lw in _SKIP_WORDS or (lw.endswith("ly") and len(lw) > 4 and w[0].islower()):
            i -= 1
            seen += 1
            continue
        initial = i == 0
        subj = classify_word(w, sentence_initial=initial)
        if subj.kind == "unknown" and i > 1 and words[i - 1].lower() in _PREPOSITIONS:
            # "the SRE on duty", "the engineer on call": the head noun sits
            # before a short prepositional phrase.
            i -= 2
            seen += 2
            continue
        if subj.kind in {"system", "unknown", "pronoun"} and any(
            x.lower() in {"whoever", "whomever"} for x in words[: i + 1]
        ):
            # "Whoever reviewed this should have ...": the clause's subject is
            # the person the relative pronoun stands for.
            return Subject("person", "whoever")
        return subj
    return Subject("unknown")


def subject_after(text: str, pos: int, *, max_words: int = 8) -> Subject:
    """First human or system head in the words following ``pos`` (used for
    "as usual, the payments team ..." and "not the first time Sam ...")."""
    _, hi = sentence_bounds(text, pos, pos)
    for n, w in enumerate(_WORD_RE.findall(text, pos, hi)):
        if n >= max_words:
            break
        if w in {",", "(", ")", ":"}:
            continue
        subj = classify_word(w)
        if subj.kind in {"person", "team", "system", "self", "we"}:
            return subj
    return Subject("unknown")


# --- Morphology for reframes --------------------------------------------------

_IRREGULAR_ING = {
    "known": "knowing",
    "caught": "catching",
    "seen": "seeing",
    "done": "doing",
    "gone": "going",
    "run": "running",
    "taken": "taking",
    "given": "giving",
    "written": "writing",
    "read": "reading",
    "told": "telling",
    "thought": "thinking",
    "had": "having",
    "been": "being",
    "made": "making",
    "kept": "keeping",
    "left": "leaving",
    "sent": "sending",
    "held": "holding",
    "found": "finding",
    "put": "putting",
    "set": "setting",
    "spoken": "speaking",
    "woken": "waking",
    "got": "getting",
    "gotten": "getting",
    "brought": "bringing",
    "pulled": "pulling",
    "shut": "shutting",
    "spun": "spinning",
    "stood": "standing",
    "understood": "understanding",
    "hit": "hitting",
    "cut": "cutting",
    "let": "letting",
    "rolled": "rolling",
    "check": "checking",
    "ask": "asking",
}


def gerund_phrase(phrase: str) -> str:
    """ "checked the logs" -> "checking the logs" (good enough for reframes)."""
    if not phrase:
        return phrase
    head, _, rest = phrase.partition(" ")
    lower = head.lower()
    if lower in _IRREGULAR_ING:
        ing = _IRREGULAR_ING[lower]
    elif lower.endswith("ied") and len(lower) > 4:
        ing = lower[:-3] + "ying"
    elif lower.endswith("ed") and len(lower) > 3:
        # escalated -> escalating, paged -> paging, stopped -> stopping:
        # dropping "ed" and adding "ing" is right for almost every regular verb.
        ing = lower[:-2] + "ing"
    elif lower.endswith("ing"):
        ing = lower
    elif lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")) and len(lower) > 2:
        ing = lower[:-1] + "ing"  # acknowledge -> acknowledging
    elif (
        len(lower) <= 4
        and len(lower) >= 3
        and lower[-1] not in "aeiouwxy"
        and lower[-2] in "aeiou"
        and lower[-3] not in "aeiou"
    ):
        ing = lower + lower[-1] + "ing"  # flip -> flipping, run -> running
    else:
        ing = lower + "ing"
    words = rest.split()
    # A phrase cut off after a preposition or article reads badly in a
    # question: "reading the notice for" -> "reading the notice".
    while words and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join([ing, *words])


_DANGLING = frozenset(
    _words(
        """
    for to of in on at with by from during and or but that this the a an into onto
    about after before until as than so because while when if its their his her our
    """
    )
)
