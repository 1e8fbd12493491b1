"""The site header's "Organization" menu: organization-wide pages, registered by each feature.

Like team page panels, every app adds its own links from its
``AppConfig.ready()``, so the header lists what is installed without the base
template naming every feature. Each link is shown only to people the
permissions module lets in, asked with the link's action about the person's
organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from marblejar import permissions
from marblejar.accounts.models import Organization
from marblejar.lib.addresses_kept import kept_reverse


@dataclass(frozen=True)
class OrganizationLink:
    url_name: str
    label: str | Promise
    # Asked as ``permissions.can(user, action, user.organization)``.
    action: str
    # Lower comes first.
    order: int


ORGANIZATION_LINKS: dict[str, OrganizationLink] = {}


def organization_link(*, url_name: str, label: str | Promise, action: str, order: int) -> None:
    """Add a page to the "Organization" menu (once, however often it is called)."""
    ORGANIZATION_LINKS[url_name] = OrganizationLink(url_name, label, action, order)


def organization_menu(*, user: Any, path: str) -> list[dict[str, Any]]:
    """The menu's links this person may open, each marked when it is the page shown."""
    # Only the key is needed to ask; loading the row would cost a query on every page.
    organization = Organization(pk=user.organization_id)
    links = []
    for link in sorted(ORGANIZATION_LINKS.values(), key=lambda link: link.order):
        if not permissions.can(user, link.action, organization):
            continue
        url = kept_reverse(link.url_name)
        links.append({"url": url, "label": link.label, "current": path == url})
    return links
