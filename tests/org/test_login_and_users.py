import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse

from core.errors import AppError
from org.errors import OrgErrorCode
from org.models import Role, User
from org.services import user_create
from org.text import format_vnd, search_key
from tests.helpers import test_database_url

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese_even_for_an_english_browser(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html
    assert "Sign in" not in html


def test_english_is_available_on_request(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html


def test_wrong_password_gets_a_clear_vietnamese_message(client, officers):
    response = client.post(reverse("login"), {"username": "xa", "password": "sai-mat-khau"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in html
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, officers):
    response = client.post(reverse("login"), {"username": "tinh", "password": "mat-khau-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "Thành phố Huế" in home
    assert "Cán bộ cấp tỉnh" in home
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_menu_depends_on_the_role(client, officers):
    client.force_login(officers["commune"])
    html = client.get(reverse("home")).content.decode()
    assert reverse("policy_tables") not in html
    assert reverse("admin:index") not in html
    client.force_login(officers["admin"])
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:index") in html
    assert reverse("policy_tables") in html


def test_policy_tables_show_both_standard_levels(client, officers):
    client.force_login(officers["province"])
    html = client.get(reverse("policy_tables")).content.decode()
    assert "360.000 ₫" in html
    assert "500.000 ₫" in html
    assert "07/2024" in html
    assert "Nghị định 76/2024/NĐ-CP" in html


def test_createsuperuser_non_interactive_makes_an_admin_role_user(tmp_path):
    call_command("createsuperuser", "--noinput", username="root", email="root@example.org")
    user = User.objects.get(username="root")
    assert user.role == Role.ADMIN
    assert user.unit is None
    assert user.is_superuser and user.is_staff


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_createsuperuser_from_the_shell_with_a_password_in_the_environment():
    """The way docker-compose and `make` do it: a separate process, the password from the env."""
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SUPERUSER_PASSWORD": "quan-tri-2026!",
    }
    run = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "createsuperuser",
            "--noinput",
            "--username",
            "boss",
            "--email",
            "b@x.vn",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    user = User.objects.get(username="boss")
    assert user.role == Role.ADMIN
    assert user.check_password("quan-tri-2026!")


def test_roles_must_fit_their_unit(hue_units):
    with pytest.raises(AppError) as refused:
        user_create(
            username="a", password="x", role=Role.COMMUNE_OFFICER, unit=hue_units["district"]
        )
    assert refused.value.code == OrgErrorCode.ROLE_WRONG_LEVEL
    with pytest.raises(AppError) as refused:
        user_create(username="b", password="x", role=Role.DISTRICT_OFFICER, unit=None)
    assert refused.value.code == OrgErrorCode.USER_NEEDS_UNIT
    user = user_create(
        username="c", password="x", role=Role.DISTRICT_OFFICER, unit=hue_units["district"]
    )
    assert user.unit == hue_units["district"]


def test_money_dates_and_search_keys_the_vietnamese_way():
    assert format_vnd(1_250_000) == "1.250.000 ₫"
    assert format_vnd(0) == "0 ₫"
    assert search_key("Nguyễn Văn  Ấn") == "nguyen van an"
    assert search_key("ĐẶNG THỊ Đào") == "dang thi dao"
    rendered = Template(
        "{% load trocap %}{{ d|date:'SHORT_DATE_FORMAT' }} {{ n|vnd }} {{ m|month }}"
    ).render(Context({"d": datetime.date(2024, 7, 1), "n": 500000, "m": datetime.date(2024, 7, 1)}))
    assert rendered == "01/07/2024 500.000 ₫ 07/2024"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
