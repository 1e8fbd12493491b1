from django.urls import path

from marblejar.reviews import views, views_actions, views_facilitation

app_name = "reviews"

urlpatterns = [
    path("t/<slug:slug>/reviews/", views.review_list, name="list"),
    path("t/<slug:slug>/reviews/new/", views.review_create, name="create"),
    path("t/<slug:slug>/reviews/intent/", views.intent_edit, name="intent"),
    path("t/<slug:slug>/reviews/templates/", views.template_list, name="templates"),
    path("t/<slug:slug>/actions/", views_actions.action_list, name="actions"),
    path("t/<slug:slug>/actions/new/", views_actions.action_new, name="action_new"),
    path("t/<slug:slug>/actions.csv", views_actions.action_export_csv, name="actions_csv"),
    path("t/<slug:slug>/actions.md", views_actions.action_export_md, name="actions_md"),
    path("actions/<int:action_id>/", views_actions.action_detail, name="action"),
    path("actions/<int:action_id>/status/", views_actions.action_status, name="action_status"),
    path("actions/<int:action_id>/check/", views_actions.action_check, name="action_check"),
    path("r/<int:review_id>/", views.board, name="board"),
    path("r/<int:review_id>/part/<slug:part>/", views.section, name="section"),
    path("r/<int:review_id>/events/", views.review_events, name="events"),
    path("r/<int:review_id>/presence/", views.presence, name="presence"),
    path("r/<int:review_id>/advance/", views.advance, name="advance"),
    path("r/<int:review_id>/open-until/", views.open_until, name="open_until"),
    path("r/<int:review_id>/safety/", views.safety_vote, name="safety_vote"),
    path("r/<int:review_id>/timer/", views_facilitation.timer, name="timer"),
    path("r/<int:review_id>/done/", views_facilitation.done, name="done"),
    path("r/<int:review_id>/spotlight/", views_facilitation.spotlight, name="spotlight"),
    path("r/<int:review_id>/discuss/", views_facilitation.discuss_add, name="discuss_add"),
    path("r/<int:review_id>/safer/", views.make_safer, name="make_safer"),
    path("r/<int:review_id>/go-first/", views.go_first, name="go_first"),
    path("r/<int:review_id>/notes/", views.note_add, name="note_add"),
    path("r/<int:review_id>/notes/<uuid:note_id>/edit/", views.note_edit, name="note_edit"),
    path("r/<int:review_id>/notes/<uuid:note_id>/delete/", views.note_delete, name="note_delete"),
    path("r/<int:review_id>/notes/<uuid:note_id>/move/", views.note_move, name="note_move"),
    path("r/<int:review_id>/themes/", views.theme_add, name="theme_add"),
    path("r/<int:review_id>/themes/<int:theme_id>/vote/", views.vote, name="vote"),
    path(
        "r/<int:review_id>/themes/<int:theme_id>/findings/",
        views_facilitation.finding_add,
        name="finding_add",
    ),
    path(
        "r/<int:review_id>/themes/<int:theme_id>/questions/",
        views_facilitation.question_add,
        name="question_add",
    ),
    path(
        "r/<int:review_id>/questions/<int:question_id>/answer/",
        views.question_answer,
        name="question_answer",
    ),
    path("r/<int:review_id>/actions/", views.action_add, name="action_add"),
    path("r/<int:review_id>/timeline/", views.timeline_add, name="timeline_add"),
    path("r/<int:review_id>/summary/", views.summary, name="summary"),
    path("r/<int:review_id>/summary.md", views.summary_md, name="summary_md"),
    path("r/<int:review_id>/roti/", views.roti, name="roti"),
]
