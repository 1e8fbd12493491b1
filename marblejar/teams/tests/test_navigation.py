from __future__ import annotations

import re

from django.urls import reverse

ORG_PAGES = {
    "reflections": reverse("reflections:organization_list"),
    "cracks": reverse("jar:organization_cracks"),
    "pulses": reverse("pulse:overview"),
    "settings": reverse("teams:organization"),
}


def organization_menu(html: str) -> str:
    match = re.search(r"<summary>Organization</summary>\s*<ul>(.*?)</ul>", html, re.S)
    assert match, "no Organization menu in the header"
    return match.group(1)


def test_an_org_admin_reaches_every_organization_page_from_the_header(client_for, personas):
    client = client_for("admin")
    for name, url in ORG_PAGES.items():
        page = client.get(url)
        assert page.status_code == 200, name
        menu = organization_menu(page.text)
        for other in ORG_PAGES.values():
            assert f'href="{other}"' in menu
        # The page shown is marked, for people who cannot see the bold.
        assert f'<a href="{url}" aria-current="page">' in menu, name


def test_a_member_s_menu_holds_only_the_pages_they_may_open(client_for, personas):
    page = client_for("member").get(reverse("teams:detail", args=["platform"]))
    menu = organization_menu(page.text)
    assert f'href="{ORG_PAGES["reflections"]}"' in menu
    assert f'href="{ORG_PAGES["cracks"]}"' in menu
    assert f'href="{ORG_PAGES["pulses"]}"' not in page.text
    assert f'href="{ORG_PAGES["settings"]}"' not in page.text


def test_people_not_logged_in_see_no_menu(client):
    page = client.get(reverse("accounts:login"))
    assert "<summary>Organization</summary>" not in page.text
