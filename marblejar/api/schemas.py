"""Schemas shared by the routers, and the types every input is built from.

Input reaches the database only through these types, so that nothing a
client sends can break a query (a NUL byte on PostgreSQL, an integer beyond
64 bits on SQLite, a date at the end of the calendar) and every such value
is a readable 4xx. Each type says in the OpenAPI description what it
accepts, so that a client, and schemathesis, can tell valid from invalid:

- ``Text``: a string without NUL characters (PostgreSQL cannot store one);
- ``Int``: an integer within 64 bits; ``Id``: a positive one, for ids;
- ``When`` / ``Day``: a date-time or date between 1970 and 2199 (checked
  after parsing, answered with 400 like any other rule the description
  cannot state);
- ``Slug``: a team's short name, as in its URLs;
- ``Flag``: a JSON true or false, never 0, 1 or "yes".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Path, Query, Schema
from pydantic import AfterValidator, StrictBool
from pydantic_core import PydanticCustomError

from marblejar.lib.edges import FIRST_YEAR, LAST_YEAR, year_in_range

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
# JSON Schema's way to say "no NUL character"; checked with a clearer message.
NO_NUL = r"^[^\x00]*$"
# The error type the API answers with 400 (see api.on_schema_error): the
# value has the right shape, the product refuses it.
OUT_OF_RANGE = "out_of_range"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Must not contain NUL characters.")
    return value


def _in_years(value: date | datetime) -> date | datetime:
    if not year_in_range(value):
        raise PydanticCustomError(
            OUT_OF_RANGE,
            "Must be between the years {first} and {last}.",
            {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return value


def _say_no_nul(schema: dict) -> None:
    # A field with its own pattern (an enumeration, a slug) already excludes NUL.
    schema.setdefault("pattern", NO_NUL)


Text = Annotated[str, AfterValidator(_no_nul), Field(json_schema_extra=_say_no_nul)]
Int = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
When = Annotated[datetime, AfterValidator(_in_years)]
Day = Annotated[date, AfterValidator(_in_years)]
Flag = StrictBool
SLUG = r"^[-a-zA-Z0-9_]+$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=80)]
# Path parameters: a team's slug, an object's id.
SlugPath = Annotated[str, Path(pattern=SLUG, max_length=80)]
IdPath = Annotated[int, Path(ge=1, le=INT_MAX)]
# Query filters: empty means "any".
SLUG_OR_EMPTY = r"^[-a-zA-Z0-9_]*$"
SlugQuery = Annotated[str, Query(pattern=SLUG_OR_EMPTY, max_length=80)]
TextQuery = Annotated[str, Query(pattern=NO_NUL, max_length=200)]


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
    name: Text = Field(min_length=1, max_length=120)
    open_signup_domain: Text = Field(default="", max_length=253)


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
    display_name: Text = Field(min_length=1, max_length=80)


class TeamOut(Schema):
    slug: str
    name: str
    description: str
    member_count: int
    my_role: str | None = Field(description="lead, member, or null when not a member")
    created_at: datetime


class TeamIn(Schema):
    name: Text = Field(min_length=1, max_length=80)
    description: Text = Field(default="", max_length=2000)


class MemberOut(Schema):
    id: int
    user_id: int
    display_name: str
    role: str
    joined_at: datetime


class MemberIn(Schema):
    role: Text = Field(pattern="^(lead|member)$")


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
    email: Text = Field(default="", max_length=254, description="Leave empty for a link only.")
    role: Text = Field(default="member", pattern="^(lead|member)$")


class AcceptIn(Schema):
    token: Text = Field(min_length=1, max_length=200)


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
    name: Text = Field(min_length=1, max_length=80)
    read_only: Flag = False
