from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class Error(Schema):
    detail: str = Field(description="What went wrong, in words for a person.")
    errors: dict[str, list[str]] | None = Field(
        default=None, description="Problems per field, when the request had several."
    )


class OrganizationOut(Schema):
    id: int
    name: str
    open_signup_domain: str


class OrganizationIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    open_signup_domain: str = Field(default="", max_length=253)


class TeamRef(Schema):
    slug: str
    name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    is_org_admin: bool
    organization: OrganizationOut | None = Field(
        description="null for an account outside any organization"
    )
    teams: list[TeamRef]


class MeIn(Schema):
    display_name: str = Field(min_length=1, max_length=80)


class TeamOut(Schema):
    slug: str
    name: str
    description: str
    member_count: int
    my_role: str | None = Field(description="lead, member, or null when not a member")
    created_at: datetime


class TeamIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=2000)


class MemberOut(Schema):
    id: int
    user_id: int
    display_name: str
    role: str
    joined_at: datetime


class MemberIn(Schema):
    role: str = Field(pattern="^(lead|member)$")


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    status: str = Field(description="pending, accepted, expired or revoked")
    created_at: datetime
    expires_at: datetime


class InvitationCreated(InvitationOut):
    url: str = Field(description="The invitation link. Shown only once.")
    email_sent: bool | None = Field(
        default=None,
        description="Whether the invitation e-mail went out (null when no address was given).",
    )


class InvitationIn(Schema):
    email: str = Field(default="", max_length=254, description="Leave empty for a link only.")
    role: str = Field(default="member", pattern="^(lead|member)$")


class AcceptIn(Schema):
    token: str = Field(min_length=1, max_length=200)


class AcceptOut(Schema):
    team: str | None = Field(description="Slug of the team joined, if the invitation had one.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. Shown only once; store it safely.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    read_only: bool = False
