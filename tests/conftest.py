import io

import pytest
from django.core.management import call_command

from org.models import Role
from org.services import DATA_DIR
from tests.factories import UserFactory, unit

THREE_TIER = DATA_DIR / "units_2025-01_three_tier_hue_thai_nguyen.json"
TWO_TIER = DATA_DIR / "units_2025-10_two_tier_hue_thai_nguyen.json"


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the interface's default language (Vietnamese), whatever an earlier
    request, command or database set-up left active in the thread; messages built outside a
    request (the policy engine's notes) follow the active language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def hue_units(db):
    """Huế's three-tier units (1 province, 9 districts, 134 communes)."""
    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    province = unit("46", "province")
    districts = list(province.children.order_by("code"))
    district = districts[0]
    communes = list(district.children.order_by("code"))
    other_district = districts[-1]
    return {
        "province": province,
        "district": district,
        "commune": communes[0],
        "neighbour": communes[1],
        "other_district": other_district,
        "far_commune": other_district.children.order_by("code").first(),
    }


@pytest.fixture
def officers(hue_units):
    """One user per role, on the units of `hue_units`."""
    return {
        "admin": UserFactory(
            username="quantri", role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True
        ),
        "province": UserFactory(
            username="tinh", role=Role.PROVINCE_OFFICER, unit=hue_units["province"]
        ),
        "district": UserFactory(
            username="huyen", role=Role.DISTRICT_OFFICER, unit=hue_units["district"]
        ),
        "commune": UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=hue_units["commune"]),
        "neighbour": UserFactory(
            username="xalang", role=Role.COMMUNE_OFFICER, unit=hue_units["neighbour"]
        ),
    }


@pytest.fixture
def checker(officers, hue_units):
    """A second district officer of `hue_units["district"]`: the one who closes (approves) a list
    that officers["district"] generated (prepared); nobody closes their own list."""
    from tests.helpers import checker_of

    return checker_of(hue_units["district"])


@pytest.fixture
def eager_celery():
    """Celery tasks run in the test's own process, at once."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def celery_worker_process(tmp_path):
    """A real Celery worker in its own process, on the configured broker, reading the test
    database (tests using it need django_db(transaction=True) so their data is committed)."""
    from config.celery import app
    from tests.helpers import test_database_url
    from tests.workers import Workers

    app.control.purge()  # nothing left over from an earlier, interrupted run
    env = {"DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    pool = Workers(env, tmp_path)
    yield pool.start(beat=False)
    pool.stop()


@pytest.fixture
def two_tier(db):
    """Huế on two-tier units (2025-10: province → 40 communes): two communes, each with its
    officer and its leader (the checker, who runs the commune's list), and the province officer."""
    call_command("load_units", str(TWO_TIER), province="46", stdout=io.StringIO())
    province = unit("46", "province", "2025-10")
    a, b = list(province.children.order_by("code"))[:2]
    return {
        "province": province,
        "a": a,
        "b": b,
        "officer_a": UserFactory(username="xa_a", role=Role.COMMUNE_OFFICER, unit=a),
        "leader_a": UserFactory(username="ld_a", role=Role.COMMUNE_LEADER, unit=a),
        "officer_b": UserFactory(username="xa_b", role=Role.COMMUNE_OFFICER, unit=b),
        "leader_b": UserFactory(username="ld_b", role=Role.COMMUNE_LEADER, unit=b),
        "province_officer": UserFactory(
            username="tinh_2t", role=Role.PROVINCE_OFFICER, unit=province
        ),
    }
