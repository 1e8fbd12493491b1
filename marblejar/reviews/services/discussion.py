"""The discussion: findings, contributing factors, questions (with their intent) and answers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marblejar.reviews.models import (
    Finding,
    FindingKind,
    Question,
    Theme,
)
from marblejar.reviews.services.guards import _discussing, _require_open, _text, _updated


@transaction.atomic
def finding_add(*, actor: Any, theme: Theme, kind: str, text: str) -> Finding:
    review = theme.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    if kind not in FindingKind.values:
        raise ValidationError({"kind": [_("Choose a discussion note, a finding or a factor.")]})
    text = _text(text, field="text", required=_("Write something first."))
    finding = Finding.objects.create(
        organization_id=review.organization_id,
        review=review,
        theme=theme,
        kind=kind,
        text=text,
        author=None if review.anonymous else actor,
    )
    _updated(review, "discussion")
    return finding


@transaction.atomic
def question_ask(*, actor: Any, theme: Theme, text: str, intent: str) -> Question:
    """Ask a question, saying why: "I am asking because…" is required."""
    review = theme.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    errors = {}
    try:
        text = _text(text, field="text", required=_("Write your question."), limit=2000)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        intent = _text(
            intent,
            field="intent",
            required=_("Say why you are asking, so that nobody has to guess your intent."),
            limit=2000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    question = Question.objects.create(
        organization_id=review.organization_id,
        review=review,
        theme=theme,
        text=text,
        intent=intent,
        asked_by=None if review.anonymous else actor,
    )
    _updated(review, "discussion")
    return question


@transaction.atomic
def question_answer(*, actor: Any, question: Question, answer: str) -> Question:
    review = question.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    answer = _text(answer, field="answer", required=_("Write the answer."))
    question.answer = answer
    question.answered_by = None if review.anonymous else actor
    question.save(update_fields=["answer", "answered_by"])
    _updated(review, "discussion")
    return question
