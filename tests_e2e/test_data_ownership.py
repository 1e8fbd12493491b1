"""Data ownership: what we store, downloading the organization and my data, retention.

An organization admin follows the footer to "What we store", reads it on a
phone too, downloads the organization's export (the zip), sets how long
closed reviews are kept, and a member downloads their own data. Each page
passes axe.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from marblejar.portability.models import Retention
from marblejar.portability.tests.scene import make_scene
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def test_an_admin_reads_what_we_store_exports_and_sets_retention(
    new_context, assert_accessible, screenshot_dir
):
    personas = make_personas()
    make_scene(personas)
    page = log_in(new_context(), personas.admin.email)

    page.get_by_role("contentinfo").get_by_role("link", name="What we store").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What we store")
    expect(page.get_by_role("heading", name="Who answered a pulse")).to_be_visible()
    assert_accessible(page, "What we store")
    page.screenshot(path=screenshot_dir / "what-we-store.png")

    page.goto("/organization/")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON and CSV tables (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    data = json.loads(archive.read("export.json"))
    assert data["scope"] == "organization"
    assert "reviews_notes.csv" in archive.namelist()

    page.get_by_role("link", name="How long we keep reviews and pulses").click()
    assert_accessible(page, "retention settings")
    field = page.get_by_label("Delete learning reviews this many days after they close")
    field.fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("greater than or equal to 30")).to_be_visible()
    expect(field).to_have_value("7")
    field.fill("365")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Retention settings saved.")).to_be_visible()
    assert Retention.objects.get(organization=personas.org).closed_reviews_days == 365

    phone = log_in(new_context(viewport=PHONE), personas.member.email)
    phone.goto("/account/")
    phone.get_by_role("link", name="What we store, who can see it, and for how long").click()
    expect(phone.get_by_text("Your organization deletes learning reviews 365 days")).to_be_visible()
    assert_accessible(phone, "What we store on a phone")
    phone.goto("/account/")
    with phone.expect_download() as mine:
        phone.get_by_role("link", name="Download my data").click()
    personal = json.loads(mine.value.path().read_bytes())
    assert len(personal["pulse_participations"]) == 2
