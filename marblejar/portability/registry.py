"""Every kind of data Marblejar keeps, in plain language: the one list.

For each model: what it is, who can see it, how long it is kept, and how it
leaves Marblejar (the organization or team export, and "Download my data").
The "What we store" page is drawn from this list, the exports are checked
against it (``tests/test_registry.py``), and a model that is not listed here
fails the tests: nothing is stored that this page does not tell.

``section`` names where the rows appear in the organization export (a
top-level key, or ``parent.child`` for rows nested in another's), and
``fields`` the keys each row has there, exactly. ``personal`` names the key
of "Download my data" that carries the person's own rows of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    key: str
    title: Promise


AREAS = (
    Area("account", _("Your account")),
    Area("teams", _("Teams and organization")),
    Area("reflections", _("Reflections")),
    Area("jar", _("The marble jar and cracks")),
    Area("pulse", _("Pulses")),
    Area("reviews", _("Learning reviews and actions")),
    Area("notifications", _("Notifications")),
    Area("running", _("Keeping the app running")),
)


@dataclass(frozen=True)
class DataKind:
    model: str  # "app_label.ModelName"
    area: str
    name: Promise
    what: Promise
    who_sees: Promise
    kept: Promise
    # Where the organization export carries it, and with which keys; empty
    # when it is not exported at all (``left_out`` then says why).
    section: str = ""
    fields: tuple[str, ...] = ()
    left_out: Promise | str = ""
    # The key of "Download my data" that holds the person's own rows of it.
    personal: str = ""
    # Whether an anonymous answer, note, vote or report is among these rows.
    anonymous: bool = False

    @property
    def exported(self) -> bool:
        return bool(self.section)


# Who sees it: phrases shared by many rows.
ORG_ADMINS = _("the organization's admins")
TEAM = _("the team's members")
TEAM_LEADS = _("the team's leads")
YOU = _("you alone")
NOBODY = _("nobody: only Marblejar itself reads it")
SERVER_ADMINS = _("the people who run this Marblejar, with access to its database")

UNTIL_DELETED = _("until it is deleted, or its team or organization is")
UNTIL_ACCOUNT = _("until you delete your account")

REGISTRY: tuple[DataKind, ...] = (
    # Your account ----------------------------------------------------------------
    DataKind(
        "accounts.Organization",
        "teams",
        _("Organization"),
        _("The name of your organization and who may sign up without an invitation."),
        _("everyone in the organization; the admins change it"),
        _("until the organization is deleted"),
        section="organization",
        fields=("name", "open_signup_domain", "created_at", "pulse_settings"),
    ),
    DataKind(
        "accounts.User",
        "account",
        _("Account"),
        _("Your e-mail address, the name others see, when you joined and last logged in."),
        _("your name: everyone in your teams and organization; your address: the admins"),
        UNTIL_ACCOUNT,
        section="people",
        fields=("ref", "email", "display_name", "is_org_admin", "is_active", "date_joined"),
        left_out=_(
            "Passwords (only a hash is kept, and it is never exported: people choose a new "
            "one after an import) and the time of the last log-in."
        ),
        personal="account",
    ),
    DataKind(
        "accounts.ApiToken",
        "account",
        _("API tokens"),
        _("Tokens you made for scripts: their names and when they were last used."),
        YOU,
        _("until you revoke them or delete your account"),
        left_out=_("Not in the organization export: a token is a key, and stays yours."),
        personal="api_tokens",
    ),
    DataKind(
        "otp_totp.TOTPDevice",
        "account",
        _("Two-factor sign-in"),
        _(
            "The key your authenticator app shares with Marblejar, when you set one up, "
            "and when it was last used."
        ),
        NOBODY,
        _("until you turn two-factor sign-in off or delete your account"),
        left_out=_("Never exported: it is a key."),
    ),
    DataKind(
        "otp_static.StaticDevice",
        "account",
        _("Recovery codes: the set"),
        _("That you have recovery codes for two-factor sign-in."),
        NOBODY,
        _("until you turn two-factor sign-in off or delete your account"),
        left_out=_("Never exported: it holds keys."),
    ),
    DataKind(
        "otp_static.StaticToken",
        "account",
        _("Recovery codes"),
        _("Your unused recovery codes; a used one is deleted."),
        NOBODY,
        _("until used, replaced, or two-factor sign-in is turned off"),
        left_out=_("Never exported: each is a key."),
    ),
    DataKind(
        "teams.Team",
        "teams",
        _("Teams"),
        _("Each team's name, short name and what it does."),
        _("everyone in the organization"),
        _("until the team is deleted"),
        section="teams",
        fields=("ref", "name", "slug", "description", "created_at", "members"),
    ),
    DataKind(
        "teams.Membership",
        "teams",
        _("Memberships"),
        _("Who is in which team, as a lead or a member, and since when."),
        TEAM,
        _("until the person leaves the team"),
        section="teams.members",
        fields=("person", "role", "joined_at"),
        personal="teams",
    ),
    DataKind(
        "teams.Invitation",
        "teams",
        _("Invitations"),
        _("Invitations to join, by link or e-mail; only a fingerprint of the link is kept."),
        _("the team's leads and the organization's admins"),
        _("until the team or organization is deleted"),
        left_out=_(
            "Not exported: an invitation works only in the Marblejar that made it. "
            "Invite people again after an import."
        ),
    ),
    # Reflections ----------------------------------------------------------------
    DataKind(
        "reflections.Tag",
        "reflections",
        _("Tags"),
        _("The words reflections are tagged with."),
        _("everyone in the organization"),
        UNTIL_DELETED,
        section="tags",
        fields=("name",),
    ),
    DataKind(
        "reflections.Reflection",
        "reflections",
        _("Reflections"),
        _(
            "Mistakes, lessons, learning in progress and asks for help, with their author, "
            "drafts included."
        ),
        _(
            "the author alone while it is a draft; then its team (or the whole organization, "
            "when shared with it)"
        ),
        _("until its author deletes it or their account"),
        section="reflections",
        fields=(
            "ref",
            "team",
            "author",
            "update_of",
            "kind",
            "title",
            "body",
            "what_happened",
            "correction",
            "learned",
            "next_try",
            "skill",
            "by_lead",
            "tags",
            "created_at",
            "updated_at",
            "published_at",
            "comments",
            "reactions",
            "practice",
        ),
        left_out=_("Drafts: they are their author's alone, in \u201cDownload my data\u201d."),
        personal="reflections",
    ),
    DataKind(
        "reflections.ReflectionTag",
        "reflections",
        _("Tags of a reflection"),
        _("Which tags a reflection has."),
        _("whoever may read the reflection"),
        _("as long as the reflection"),
        section="reflections.tags",
        fields=(),
        personal="reflections",
    ),
    DataKind(
        "reflections.Comment",
        "reflections",
        _("Comments and offers of help"),
        _("Responses to a reflection, with their author; the coach's finding when posted."),
        _("whoever may read the reflection"),
        _("until its author deletes their account, or the reflection is deleted"),
        section="reflections.comments",
        fields=(
            "ref",
            "author",
            "body",
            "offers_help",
            "coach_severity",
            "created_at",
        ),
        left_out=_("Comments the reflection's author hid: only they and the commenter see them."),
        personal="reflections",
    ),
    DataKind(
        "reflections.Reaction",
        "reflections",
        _("Reactions"),
        _("\u201cThank you\u201d, \u201cme too\u201d and the like, with who reacted."),
        _("whoever may read the reflection"),
        _("as long as the reflection, or until taken back"),
        section="reflections.reactions",
        fields=("person", "kind", "created_at"),
        personal="reflections",
    ),
    DataKind(
        "reflections.PracticeEntry",
        "reflections",
        _("Practice log"),
        _("Sessions of practice on a learning in progress: the day, minutes and what was hard."),
        _("whoever may read the learning"),
        _("as long as the learning"),
        section="reflections.practice",
        fields=("practised_on", "minutes", "hard", "created_at"),
        personal="reflections",
    ),
    # The jar --------------------------------------------------------------------
    DataKind(
        "jar.Marble",
        "jar",
        _("Marbles"),
        _("A marble for each act of trust and the response it met, and who they were."),
        TEAM,
        _("until the team is deleted; names are emptied when a person deletes their account"),
        section="marbles",
        fields=(
            "team",
            "act",
            "act_key",
            "act_by",
            "response_by",
            "response",
            "reflection",
            "description",
            "dropped_by",
            "named_seen_at",
            "created_at",
        ),
        personal="marble_jar",
    ),
    DataKind(
        "jar.Crack",
        "jar",
        _("Cracks"),
        _(
            "Anonymous reports that something felt disrespectful: no reporter, the day only, "
            "and the leads' response."
        ),
        _("the team's leads; the team reads the text only if the reporter allowed it"),
        UNTIL_DELETED,
        section="cracks",
        fields=("team", "text", "text_shared", "reported_on", "acknowledged_on", "response"),
        left_out=_(
            "As the team sees them: the text only where the reporter shared it, the day "
            "rather than any time, in an order by content, and not who acknowledged it or "
            "which comment it was about."
        ),
        anonymous=True,
    ),
    DataKind(
        "jar.CrackInbox",
        "jar",
        _("Today's sealed cracks"),
        _("Reports of the day, sealed (encrypted) until the day is over."),
        NOBODY,
        _("until the next night, when they become cracks"),
        left_out=_("Never exported: sealed, and opened only by the nightly release."),
        anonymous=True,
    ),
    # Pulses ---------------------------------------------------------------------
    DataKind(
        "pulse.PulseSettings",
        "pulse",
        _("Anonymity thresholds"),
        _("The organization's minimum number of respondents before anything is shown."),
        ORG_ADMINS,
        _("until the organization is deleted"),
        section="organization.pulse_settings",
        fields=("min_group_size", "min_comment_group_size"),
    ),
    DataKind(
        "pulse.Instrument",
        "pulse",
        _("Custom questionnaires"),
        _("Questionnaires a team's lead built: the questions and answer labels."),
        TEAM_LEADS,
        UNTIL_DELETED,
        section="pulse_instruments",
        fields=(
            "ref",
            "team",
            "name",
            "description",
            "scale_points",
            "low_label",
            "high_label",
            "items",
            "allow_comment",
            "created_by",
            "created_at",
        ),
    ),
    DataKind(
        "pulse.Pulse",
        "pulse",
        _("Pulses"),
        _(
            "Each pulse: its questions, when it runs, its minimum group, how many answered, "
            "and the lead's response."
        ),
        TEAM,
        _("until the team is deleted, or the organization's retention period for pulses"),
        section="pulses",
        fields=(
            "ref",
            "team",
            "instrument",
            "definition",
            "title",
            "cadence",
            "series",
            "sequence",
            "opens_at",
            "closes_at",
            "min_group_size",
            "min_comment_group_size",
            "created_by",
            "members_at_open",
            "participant_count",
            "counted",
            "joined_while_open",
            "open_notified",
            "reminded",
            "closed_at",
            "response_heard",
            "response_plan",
            "published_at",
            "published_without_response",
            "result",
            "comments",
        ),
        left_out=_("How many answered a pulse that is still open."),
    ),
    DataKind(
        "pulse.Participation",
        "pulse",
        _("Who answered a pulse"),
        _("That you answered a pulse, for one answer each. Never what you answered."),
        _("nobody in the app; you, in \u201cDownload my data\u201d"),
        _("as long as the pulse"),
        left_out=_(
            "Not in the organization export: with the results it could narrow down who said what."
        ),
        personal="pulse_participations",
    ),
    DataKind(
        "pulse.Ballot",
        "pulse",
        _("Sealed answers of an open pulse"),
        _("What was answered while a pulse is open, sealed (encrypted) and reshuffled."),
        NOBODY,
        _("until the pulse closes"),
        left_out=_("Never exported: sealed, and opened only when the pulse closes."),
        anonymous=True,
    ),
    DataKind(
        "pulse.Answer",
        "pulse",
        _("Pulse answers"),
        _("Each answer of a closed pulse, with nothing that says whose."),
        _("nobody one by one; the team sees the results they add up to"),
        _("as long as the pulse"),
        left_out=_(
            "Never exported one by one: exports carry the results, only where they were "
            "shown (enough people answered)."
        ),
        anonymous=True,
    ),
    DataKind(
        "pulse.Comment",
        "pulse",
        _("Pulse comments"),
        _("Free-text comments given with a pulse, linked to no answer and no person."),
        _("the team, when enough people answered"),
        _("as long as the pulse"),
        section="pulses.comments",
        fields=(),
        left_out=_("Comments of a pulse with too few respondents to show them."),
        anonymous=True,
    ),
    DataKind(
        "pulse.PulseResult",
        "pulse",
        _("Pulse results"),
        _("The statistics of a closed pulse: means, spread, reliability, distribution."),
        _("the team, when enough people answered"),
        _("as long as the pulse"),
        section="pulses.result",
        fields=(
            "closed_on",
            "n",
            "counted",
            "min_group_size",
            "k",
            "mean",
            "percent",
            "sd",
            "ci_low",
            "ci_high",
            "alpha",
            "alpha_ci_low",
            "alpha_ci_high",
            "rwg_j",
            "item_means",
            "distribution",
            "comment_count",
            "is_latest",
        ),
        left_out=_("Results below the pulse's minimum group: they were never shown."),
    ),
    # Reviews --------------------------------------------------------------------
    DataKind(
        "reviews.IntentStatement",
        "reviews",
        _("Statement of good intent"),
        _("The team's own statement, shown before every review."),
        TEAM,
        UNTIL_DELETED,
        section="intent_statements",
        fields=("team", "text", "updated_by", "updated_at"),
    ),
    DataKind(
        "reviews.ReviewTemplate",
        "reviews",
        _("Review templates"),
        _("A team's own review formats: columns and prompts."),
        TEAM,
        UNTIL_DELETED,
        section="review_templates",
        fields=("team", "kind", "name", "columns", "timeline", "created_by", "created_at"),
    ),
    DataKind(
        "reviews.Review",
        "reviews",
        _("Learning reviews"),
        _(
            "Retrospectives, incident debriefs and project reviews: purpose, agenda, phase, "
            "and the safety check and return on time as counts only."
        ),
        TEAM,
        _("until the team is deleted, or the organization's retention period for reviews"),
        section="reviews",
        fields=(
            "ref",
            "team",
            "kind",
            "title",
            "purpose",
            "agenda",
            "intent",
            "template_name",
            "columns",
            "timeline",
            "mode",
            "anonymous",
            "votes_per_person",
            "facilitator",
            "scheduled_for",
            "open_until",
            "phase",
            "phase_changed_at",
            "safety_counts",
            "roti_counts",
            "created_by",
            "created_at",
            "closed_at",
            "closed_by_clock",
            "closed_from",
            "spotlight",
            "skipped_grouping",
            "participants",
            "go_first",
            "timeline_events",
            "themes",
            "notes",
            "findings",
            "questions",
        ),
        left_out=_(
            "Timers and reminder times; the safety check of a review still running, "
            "beyond what the room was shown."
        ),
    ),
    DataKind(
        "reviews.Participant",
        "reviews",
        _("Review participants"),
        _("Who took part in a review, and who is on the board right now."),
        TEAM,
        _("as long as the review"),
        section="reviews.participants",
        fields=(),
        left_out=_("When each person joined, was last seen, or said they were done."),
        personal="review_participations",
    ),
    DataKind(
        "reviews.GuestLink",
        "reviews",
        _("Guest links"),
        _(
            "A link that lets people outside the team take part in one review: a hash of "
            "its token, who made it, when, and whether it was revoked."
        ),
        _("the review's facilitator and the team's leads"),
        _("as long as the review"),
        left_out=_("Never exported: a link is for its review alone."),
    ),
    DataKind(
        "reviews.Guest",
        "reviews",
        _("Review guests"),
        _(
            "Who joined a review by its guest link (their name, as an account without a "
            "password or a membership), when, and when their part ended."
        ),
        TEAM,
        _("as long as the review"),
        left_out=_(
            "Not a section of its own: a guest appears by name on what they wrote, like a "
            "participant."
        ),
    ),
    DataKind(
        "reviews.GoFirst",
        "reviews",
        _("Going first"),
        _("The facilitator's or lead's own part, written before anyone sees the notes."),
        TEAM,
        _("as long as the review"),
        section="reviews.go_first",
        fields=("author", "part", "revisit", "created_at"),
        personal="learning_reviews",
    ),
    DataKind(
        "reviews.TimelineEvent",
        "reviews",
        _("Incident timelines"),
        _("The events of an incident, in order."),
        TEAM,
        _("as long as the review"),
        section="reviews.timeline_events",
        fields=("ref", "happened_at", "what", "source"),
    ),
    DataKind(
        "reviews.Theme",
        "reviews",
        _("Themes"),
        _("How notes were grouped, and each theme's total of votes."),
        TEAM,
        _("as long as the review"),
        section="reviews.themes",
        fields=("ref", "title", "position", "vote_count"),
    ),
    DataKind(
        "reviews.Note",
        "reviews",
        _("Review notes"),
        _(
            "What people wrote in a review. In a review with anonymous notes: no author "
            "and no time."
        ),
        _("the author until the reveal; then the team"),
        _("as long as the review"),
        section="reviews.notes",
        fields=("column", "timeline_event", "text", "author", "created_at", "theme"),
        left_out=_(
            "Notes never revealed. Anonymous notes carry no author and no time, in an order "
            "by content."
        ),
        personal="learning_reviews",
        anonymous=True,
    ),
    DataKind(
        "reviews.NoteAuthorship",
        "reviews",
        _("Who wrote an anonymous note"),
        _("A keyed tag, so that you can edit your own anonymous note while the review runs."),
        NOBODY,
        _("until the review closes"),
        left_out=_("Never exported, and deleted when the review closes."),
        anonymous=True,
    ),
    DataKind(
        "reviews.Vote",
        "reviews",
        _("Votes on themes"),
        _("Each vote, with a keyed tag for the voter, while the vote lasts."),
        NOBODY,
        _("until the vote phase ends; only the totals stay"),
        left_out=_("Never exported: only each theme's total is."),
        anonymous=True,
    ),
    DataKind(
        "reviews.Mark",
        "reviews",
        _("Who answered the safety check"),
        _("That someone answered the safety check or return-on-time vote, as a keyed tag."),
        NOBODY,
        _("until the review closes"),
        left_out=_("Never exported, and deleted when the review closes."),
        anonymous=True,
    ),
    DataKind(
        "reviews.Finding",
        "reviews",
        _("Findings"),
        _("Discussion notes, findings and contributing factors; no author in anonymous reviews."),
        TEAM,
        _("as long as the review"),
        section="reviews.findings",
        fields=("theme", "kind", "text", "author"),
        personal="learning_reviews",
    ),
    DataKind(
        "reviews.Question",
        "reviews",
        _("Questions"),
        _("Questions asked in a discussion, with their intent and answer."),
        TEAM,
        _("as long as the review"),
        section="reviews.questions",
        fields=("ref", "theme", "text", "intent", "asked_by", "answer", "answered_by"),
        personal="learning_reviews",
    ),
    DataKind(
        "reviews.Action",
        "reviews",
        _("Improvement actions"),
        _("Actions, their owner, dates, status, and whether they worked."),
        TEAM,
        _("until the team is deleted"),
        section="actions",
        fields=(
            "ref",
            "team",
            "review",
            "theme",
            "title",
            "owner",
            "due_on",
            "expected_effect",
            "check_on",
            "status",
            "status_note",
            "done_at",
            "last_checked_in",
            "check_result",
            "check_note",
            "checked_at",
            "created_by",
            "created_at",
            "updated_at",
            "history",
        ),
        left_out=_("Which reminders went out."),
        personal="actions",
    ),
    DataKind(
        "reviews.ActionEvent",
        "reviews",
        _("Action history"),
        _("Each change of an action, and who made it."),
        TEAM,
        _("as long as the action"),
        section="actions.history",
        fields=("kind", "status", "result", "note", "fields", "actor", "at"),
    ),
    # Issue trackers ------------------------------------------------------------
    DataKind(
        "trackers.Tracker",
        "reviews",
        _("Issue trackers"),
        _(
            "A GitHub, GitLab or Jira project a lead connected: its address, the "
            "token (sealed) and the webhook's secret (sealed), and the latest problem "
            "talking to it."
        ),
        TEAM_LEADS,
        _("until a lead disconnects it, or the team is deleted"),
        left_out=_("Never exported: a token is a key to the team's project."),
    ),
    DataKind(
        "trackers.Issue",
        "reviews",
        _("Issues made from actions"),
        _("Which issue an action became: its number or key, its link, open or closed."),
        TEAM,
        _("as long as the action"),
        left_out=_(
            "Not in the export yet: the issue's link is on the action's page and in the "
            "tracker itself."
        ),
    ),
    # Notifications -------------------------------------------------------------
    DataKind(
        "notifications.Notification",
        "notifications",
        _("Notifications"),
        _("What you were told about, with a link, and whether you read it."),
        YOU,
        UNTIL_ACCOUNT,
        left_out=_("Not in the organization export: they are each person's own."),
        personal="notifications",
    ),
    DataKind(
        "notifications.Preference",
        "notifications",
        _("Notification settings"),
        _("How you want to hear about each kind of notification."),
        YOU,
        UNTIL_ACCOUNT,
        left_out=_("Not in the organization export: they are each person's own."),
        personal="notification_settings",
    ),
    DataKind(
        "notifications.Mailbox",
        "notifications",
        _("E-mail settings"),
        _("Whether you get the weekly e-mail, and when the last e-mail went out."),
        YOU,
        UNTIL_ACCOUNT,
        left_out=_("Not in the organization export: they are each person's own."),
        personal="notification_settings",
    ),
    # Integrations (docs/integrations.md) ------------------------------------------
    DataKind(
        "integrations.Integration",
        "teams",
        _("Integrations"),
        _(
            "Where a team posts its news (a Slack or Microsoft Teams channel, a webhook), "
            "which events, and whether it is paused. The address and a webhook's secret "
            "are stored encrypted."
        ),
        TEAM_LEADS,
        UNTIL_DELETED,
        left_out=_("Not exported: addresses and secrets are credentials; set them up again."),
    ),
    DataKind(
        "integrations.Delivery",
        "teams",
        _("Integration deliveries"),
        _(
            "Each event sent to an integration: what was posted, until it arrives or is "
            "given up; then only the event and its title."
        ),
        TEAM_LEADS,
        _("the last 200 of each integration"),
        left_out=_("Not exported: a log of what the rest already holds."),
    ),
    DataKind(
        "integrations.Attempt",
        "teams",
        _("Integration delivery log"),
        _("Each try to post: when, the answer's status code, a short error and how long."),
        TEAM_LEADS,
        _("as long as its delivery"),
        left_out=_("Not exported: a log of what the rest already holds."),
    ),
    DataKind(
        "portability.Retention",
        "teams",
        _("Retention settings"),
        _("How long the organization keeps closed learning reviews and pulses."),
        ORG_ADMINS,
        _("until the organization is deleted"),
        left_out=_("Not exported: each Marblejar sets its own."),
    ),
    # Running the app ------------------------------------------------------------
    DataKind(
        "realtime.Event",
        "running",
        _("Live updates"),
        _("Recent changes, kept so that an open page can catch up after a lost connection."),
        _("those who may see what changed"),
        _("a few weeks (MARBLEJAR_EVENTS_RETENTION_DAYS, 30 days by default)"),
        left_out=_("Never exported: a copy of what the rest already holds."),
    ),
    DataKind(
        "sessions.Session",
        "running",
        _("Log-in sessions"),
        _("That your browser is logged in."),
        NOBODY,
        _("until you log out, or it expires"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "django_tasks_database.DBTaskResult",
        "running",
        _("Background work"),
        _("Work waiting to run (e-mails, nightly tasks) and recent failures."),
        SERVER_ADMINS,
        _("until done; failures until cleared"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "axes.AccessAttempt",
        "running",
        _("Failed log-ins"),
        _("Failed log-in attempts per address and account, to stop password guessing."),
        SERVER_ADMINS,
        _("a few minutes after the last attempt (MARBLEJAR_LOGIN_LOCKOUT_MINUTES)"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "axes.AccessAttemptExpiration",
        "running",
        _("Failed log-ins: expiry"),
        _("When a lock-out after failed log-ins ends."),
        SERVER_ADMINS,
        _("until the lock-out ends"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "axes.AccessFailureLog",
        "running",
        _("Failed log-ins: log"),
        _("Not used by Marblejar (the table comes with the log-in protection)."),
        SERVER_ADMINS,
        _("nothing is written to it"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "axes.AccessLog",
        "running",
        _("Log-ins: log"),
        _("Not used by Marblejar (the table comes with the log-in protection)."),
        SERVER_ADMINS,
        _("nothing is written to it"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "admin.LogEntry",
        "running",
        _("Administration log"),
        _("Changes made in the administration pages, and by whom."),
        SERVER_ADMINS,
        _("until the people who run Marblejar delete it"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "auth.Permission",
        "running",
        _("Permission names"),
        _("The list of permissions of the administration pages; no personal data."),
        SERVER_ADMINS,
        _("as long as the installation"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "auth.Group",
        "running",
        _("Permission groups"),
        _("Groups of the administration pages; not used by Marblejar."),
        SERVER_ADMINS,
        _("as long as the installation"),
        left_out=_("Never exported."),
    ),
    DataKind(
        "contenttypes.ContentType",
        "running",
        _("Table names"),
        _("The list of Marblejar's own tables; no personal data."),
        SERVER_ADMINS,
        _("as long as the installation"),
        left_out=_("Never exported."),
    ),
)

BY_MODEL: dict[str, DataKind] = {kind.model: kind for kind in REGISTRY}


def kinds_by_area() -> list[tuple[Area, list[DataKind]]]:
    return [(area, [k for k in REGISTRY if k.area == area.key]) for area in AREAS]


def unlisted_models() -> list[str]:
    """Labels of installed models that the registry does not list."""
    labels = [m._meta.label for m in apps.get_models(include_auto_created=False)]
    return sorted(label for label in labels if label not in BY_MODEL)


def kind_for(model: Any) -> DataKind:
    return BY_MODEL[model._meta.label]


def section_fields() -> dict[str, tuple[str, ...]]:
    """The keys each exported section's rows have (sections of plain values have none)."""
    return {k.section: k.fields for k in REGISTRY if k.section}
