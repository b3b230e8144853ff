"""The admin speaks Django's own Vietnamese and carries the system's name; the icon is found.

The register's word "Change" (a change record) is "Biến động"; Django's admin "Change" link is
"Thay đổi". The two msgids are told apart by a context (`pgettext`), so neither leaks into the
other."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

pytestmark = pytest.mark.django_db


def test_the_change_record_word_has_its_own_context():
    with translation.override("vi"):
        assert pgettext("change record", "Change") == "Biến động"
        assert gettext("Change") == "Thay đổi"  # Django's own
        assert gettext("Clear") == "Xóa"  # the file input's "Clear", not a filter's


def test_the_admin_change_links_are_not_change_records(client, officers):
    admin_user = officers["admin"]
    client.force_login(admin_user)
    index = client.get("/admin/").content.decode()
    links = re.findall(r'class="changelink"[^>]*>([^<]*)</a>', index)
    assert links and set(links) == {"Thay đổi"}
    form = client.get(f"/admin/org/user/{admin_user.pk}/change/").content.decode()
    assert "Thay đổi người dùng" in form  # Django's "Change user"
    assert re.findall(r'class="historylink"[^>]*>([^<]*)</a>', form) == [
        "Lịch sử thay đổi"
    ]  # ours, clearer than Django's "Bản ghi nhớ"
    changelist = client.get("/admin/org/user/").content.decode()
    assert "Chọn người dùng để thay đổi" in changelist  # "Select user to change"


def test_the_admin_has_the_system_s_title_and_icon(client, officers):
    client.force_login(officers["admin"])
    html = client.get("/admin/").content.decode()
    assert "Trợ cấp xã hội — Quản trị" in html
    assert "Quản trị hệ thống" in html  # the index title
    assert "Django" not in html.split("<title>")[1].split("</title>")[0]
    assert "img/favicon.svg" in html


def test_every_page_links_the_icon_and_favicon_ico_answers(client, officers):
    client.force_login(officers["commune"])
    assert "img/favicon.svg" in client.get("/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
