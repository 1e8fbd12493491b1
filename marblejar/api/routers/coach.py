from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from marblejar.api.schemas import Error, Text
from marblejar.coaching.services import MAX_TEXT, coach_check

router = Router(tags=["coach"])


class CoachIn(Schema):
    text: Text = Field(max_length=MAX_TEXT, description="The text to read, Markdown allowed.")
    dismissed: list[Text] = Field(
        default_factory=list, description="Rule or category ids the writer has dismissed."
    )


class CoachFindingOut(Schema):
    rule: str
    category: str
    severity: str = Field(description="high, medium, low or info")
    start: int = Field(description="Character offset of the match in the text")
    end: int
    match: str
    message: str
    suggestion: str
    explanation: str
    source: str


class CoachOut(Schema):
    findings: list[CoachFindingOut]


@router.post(
    "/coach",
    response={200: CoachOut, 400: Error, 401: Error, 403: Error, 422: Error},
    summary="Check text with the language coach",
)
def coach(request: HttpRequest, data: CoachIn):
    findings = coach_check(text=data.text, dismissed=data.dismissed)
    return {"findings": [f.to_dict() for f in findings]}
