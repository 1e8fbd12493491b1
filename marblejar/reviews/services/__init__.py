"""Changes to learning reviews.

Each function checks permissions through :mod:`marblejar.permissions`,
commits, and publishes a signal on the review's stream (``review:<id>``).
Signals never carry what anyone wrote, nor who wrote it: a client that
receives one fetches the part of the board that changed over HTTP, with its
own permissions, so that what one person may not see never reaches them.

The modules, lowest first (each imports only those before it):
:mod:`.guards` (checks, signals) · :mod:`.notices` (telling the team) ·
:mod:`.facilitation` (the timer, who is done writing, the spotlight) ·
:mod:`.guests` (guest links, joining, ending with the review) ·
:mod:`.clock` (when an asynchronous review reminds and closes) ·
:mod:`.safety` (presence, safety check, return on time) ·
:mod:`.phases` (moving on, closing, forgetting) ·
:mod:`.lifecycle` (statement, templates, scheduling, the clock catching up) ·
:mod:`.board` (going first, notes, timeline, themes, votes) ·
:mod:`.discussion` · :mod:`.actions` (improvement actions). Everything
public is importable from here.
"""

from marblejar.reviews.services.actions import (
    action_add,
    action_check,
    action_create,
    action_follow_issue,
    action_reminders_due,
    action_set_status,
    action_update,
)
from marblejar.reviews.services.board import (
    go_first_write,
    note_add,
    note_cluster,
    note_delete,
    note_move,
    note_to_new_theme,
    note_update,
    theme_create,
    timeline_event_add,
    vote_cast,
    vote_withdraw,
)
from marblejar.reviews.services.clock import review_set_open_until
from marblejar.reviews.services.discussion import finding_add, question_answer, question_ask
from marblejar.reviews.services.facilitation import (
    participant_done,
    review_spotlight,
    review_timer,
)
from marblejar.reviews.services.guards import (
    MAX_NOTE,
    MAX_TEXT,
    UPDATE_KINDS,
    ReviewClosed,
    closed_message,
    phase_label,
    phase_number,
)
from marblejar.reviews.services.guests import (
    GuestLinkInvalid,
    guest_join,
    guest_link_active,
    guest_link_create,
    guest_link_find,
    guest_link_revoke,
    guest_link_token,
    guests_end,
)
from marblejar.reviews.services.lifecycle import (
    intent_statement_update,
    review_advance_due,
    review_catch_up,
    review_current,
    review_schedule,
    review_template_create,
)
from marblejar.reviews.services.phases import review_advance_phase
from marblejar.reviews.services.safety import (
    participant_touch,
    review_make_safer,
    roti_vote,
    safety_check_result,
    safety_vote,
)

__all__ = [
    "MAX_NOTE",
    "MAX_TEXT",
    "UPDATE_KINDS",
    "GuestLinkInvalid",
    "ReviewClosed",
    "action_add",
    "action_check",
    "action_create",
    "action_follow_issue",
    "action_reminders_due",
    "action_set_status",
    "action_update",
    "closed_message",
    "finding_add",
    "go_first_write",
    "guest_join",
    "guest_link_active",
    "guest_link_create",
    "guest_link_find",
    "guest_link_revoke",
    "guest_link_token",
    "guests_end",
    "intent_statement_update",
    "note_add",
    "note_cluster",
    "note_delete",
    "note_move",
    "note_to_new_theme",
    "note_update",
    "participant_done",
    "participant_touch",
    "phase_label",
    "phase_number",
    "question_answer",
    "question_ask",
    "review_advance_due",
    "review_catch_up",
    "review_advance_phase",
    "review_current",
    "review_make_safer",
    "review_schedule",
    "review_set_open_until",
    "review_spotlight",
    "review_template_create",
    "review_timer",
    "roti_vote",
    "safety_check_result",
    "safety_vote",
    "theme_create",
    "timeline_event_add",
    "vote_cast",
    "vote_withdraw",
]
