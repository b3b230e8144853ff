"""In English mode every officer page is English: no Vietnamese letter is left in what the page
shows, for every role.

The data is built with ASCII names (people, units, addresses, decision numbers), so any
Vietnamese letter found is a user interface string that escaped translation: a template's
hard-coded text, a service's message, a category or provider name from the database."""

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from beneficiaries.forms import CHANGE_FIELDS
from beneficiaries.models import CareArrangement, Category
from beneficiaries.services.applicable import applicable_kinds
from beneficiaries.services.changes import change_record_create
from beneficiaries.services.inputs import ChangeInput
from org.models import AdministrativeUnit, Role
from payments.models import PaymentLine
from payments.services import payment_list_generate, payment_period_open
from providers.adapters.base import failure_reason_vi
from providers.models import Provider
from reports.coverage import coverage_refresh
from tests.factories import (
    AccountFactory,
    BeneficiaryCategoryFactory,
    BeneficiaryFactory,
    RecipientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
DEC = datetime.date(2026, 12, 1)

# Vietnamese-only letters, and the vowels with a tone mark (acute, grave, hook, tilde, dot).
VIETNAMESE = re.compile(
    "[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]",
    re.IGNORECASE,
)

PEOPLE = [
    ("Nguyen Thi Hoa", datetime.date(1940, 1, 1), "F", ["K5C"]),
    ("Tran Van Duc", datetime.date(1950, 6, 15), "M", ["K5A"]),
    ("Le Thi Tuyet", datetime.date(2024, 1, 1), "F", ["K1"]),
    ("Pham Quoc Bao", datetime.date(1988, 3, 9), "M", ["K4"]),
    ("Hoang Thi Duyen", datetime.date(1962, 9, 30), "F", ["K3"]),
    ("Vo Van Nam", datetime.date(1970, 2, 2), "M", ["K6"]),
]

ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "value", "data-label"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the labelling attributes, not scripts,
    styles, or the language switcher (which names Vietnamese in Vietnamese on purpose)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"input", "meta", "link", "br", "img", "hr"}:
            if tag in {"input", "img"} and attrs.get("type") != "hidden":
                self.parts += [v for k, v in attrs.items() if k in ATTRIBUTES and v]
            return
        hidden = tag in {"script", "style"} or "lang" in (attrs.get("class") or "").split()
        self.stack.append(hidden)
        self.skip += hidden
        if not self.skip:
            self.parts += [v for k, v in attrs.items() if k in ATTRIBUTES and v]

    def handle_endtag(self, tag):
        if tag in {"input", "meta", "link", "br", "img", "hr"} or not self.stack:
            return
        self.skip -= self.stack.pop()

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


# A decree's number is cited as it is written, in English too: "Decree 20/2021/NĐ-CP".
DOCUMENT_NUMBER = re.compile(r"\d+/\d{4}/NĐ-CP")


def untranslated(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [part for part in parser.parts if VIETNAMESE.search(DOCUMENT_NUMBER.sub("", part))]


def build():
    from tests.conftest import THREE_TIER

    call_command("load_units", str(THREE_TIER), province="46", stdout=io.StringIO())
    # Unit names are genuine Vietnamese data: make them ASCII so that only UI text can fail.
    for unit in AdministrativeUnit.objects.all():
        unit.name = f"Unit {unit.code}"
        unit.division_type = ""
        unit.save(update_fields=["name", "division_type"])
    province = AdministrativeUnit.objects.get(code="46", code_version="2025-01")
    district = AdministrativeUnit.objects.get(code="474", code_version="2025-01")
    commune = district.children.order_by("code").first()
    names = {"first_name": "Officer", "last_name": "One"}
    users = {
        "commune": UserFactory(username="xa", role=Role.COMMUNE_OFFICER, unit=commune, **names),
        "district": UserFactory(
            username="huyen", role=Role.DISTRICT_OFFICER, unit=district, **names
        ),
        "province": UserFactory(
            username="tinh", role=Role.PROVINCE_OFFICER, unit=province, **names
        ),
        "admin": UserFactory(
            username="quantri",
            role=Role.ADMIN,
            unit=None,
            is_staff=True,
            is_superuser=True,
            **names,
        ),
    }
    people = []
    for n, (name, born, sex, codes) in enumerate(PEOPLE):
        extra = {"disability_level": "severe"} if "K6" in codes else {}
        if "K4" in codes:
            extra = {"dependent_children": 2}
        b = BeneficiaryFactory(
            commune=commune,
            full_name=name,
            date_of_birth=born,
            sex=sex,
            address="Hamlet 1",
            **extra,
        )
        for code in codes:
            BeneficiaryCategoryFactory(
                beneficiary=b,
                category=Category.objects.get(code=code),
                decision_number=f"{n}/QD-UBND",
            )
        people.append(b)
    AccountFactory(beneficiary=people[1], account_name="TRAN VAN DUC")
    RecipientFactory(beneficiary=people[2], full_name="Le Van Binh", relationship="Uncle")
    # A care arrangement: the person's care panel has a row, and END_CARE has its form.
    CareArrangement.objects.create(
        beneficiary=people[0],
        code="CS_FOSTER_K5D",
        status="active",
        carer_full_name="Le Van Binh",
        carer_id_number="046080001234",
        carer_relationship="Neighbour",
        start_month=datetime.date(2024, 7, 1),
        decision_number="5/QD-UBND",
    )
    period = payment_period_open(unit=district, month=DEC)
    payment_list_generate(period=period, generated_by=None)
    # A provider's failure, recorded as the adapters record it: its code and Vietnamese reason.
    PaymentLine.objects.filter(payment_list__period=period, line_no=1).update(
        status="failed",
        failure_code="WALLET_LOCKED",
        failure_reason=failure_reason_vi("WALLET_LOCKED"),
    )
    coverage_refresh(month=DEC)
    change = change_record_create(
        beneficiary=people[0],
        data=ChangeInput(kind="suspend", reason="not_collected", effective_month=DEC),
        maker=users["commune"],
        today=TODAY,
    )
    return {
        "users": users,
        "commune": commune,
        "person": people[0],
        "period": period,
        "change": change,
    }


def pages_of(data, role):
    person, period, change = data["person"], data["period"], data["change"]
    pages = [
        "/",
        "/doi-tuong/",
        f"/doi-tuong/{person.pk}/",
        "/bien-dong/",
        f"/bien-dong/{change.pk}/",
        "/chi-tra/",
        f"/chi-tra/{period.pk}/",
        f"/chi-tra/{period.pk}/dong/",
        f"/chi-tra/{period.pk}/to-chuc-chi-tra/",
        f"/chi-tra/{period.pk}/doi-soat/",
        f"/chi-tra/{period.pk}/ky-nhan/{data['commune'].pk}/",
        "/reports/",
        f"/reports/{data['commune'].code}/",
        "/don-vi/",
        "/chinh-sach/",
        f"/chi-tra/{period.pk}/tao/",
        f"/chi-tra/{period.pk}/tien-do/",
        f"/chi-tra/{period.pk}/chot/",
        f"/chi-tra/{period.pk}/gui/",
        f"/bien-dong/duyet/?change={change.pk}",
        f"/bien-dong/{change.pk}/duyet/",
        f"/bien-dong/{change.pk}/tu-choi/",
        "/chi-tra/tong-hop-tinh/",  # the province's roll-up
        "/sap-xep-don-vi/",  # the 2025 reform's worklist (empty here)
    ]
    if role == "commune":
        pages += ["/doi-tuong/dang-ky/", "/doi-tuong/nhap/"]
        # Every change this person can have (the menu's kinds), and the death form.
        kinds = applicable_kinds(person)
        assert set(kinds) <= set(CHANGE_FIELDS)
        pages += [f"/doi-tuong/{person.pk}/bien-dong/{kind}/" for kind in kinds]
        pages.append(f"/doi-tuong/{person.pk}/bien-dong/stop/?reason=death")
    return pages


@pytest.fixture
def english_client(client):
    """A client whose language cookie says English; afterwards the thread speaks Vietnamese
    again (the language middleware activates the cookie's language and leaves it active)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(settings.LANGUAGE_CODE)


def test_every_officer_page_is_english_in_english_mode(english_client):
    client = english_client
    data = build()
    found = {}
    visited = 0
    for role, user in data["users"].items():
        client.force_login(user)
        for path in pages_of(data, role):
            response = client.get(path)
            if response.status_code in (301, 302, 403, 404, 405):
                continue  # not this role's page
            assert response.status_code == 200, (role, path, response.status_code)
            visited += 1
            for text in untranslated(response.content.decode()):
                found.setdefault(text, f"{role} {path}")
    lines = client.get(f"/chi-tra/{data['period'].pk}/dong/").content.decode()
    assert "The wallet is locked" in lines  # the provider's message, in English
    client.logout()  # the test client forgets every cookie: choose English again
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for path in ("/dang-nhap/", "/doi-tuong/"):  # the sign-in page, and the way to it
        response = client.get(path, follow=True)
        assert response.status_code == 200
        for text in untranslated(response.content.decode()):
            found.setdefault(text, f"anonymous {path}")
    assert visited > 40
    assert "Sign in" in client.get("/dang-nhap/").content.decode()  # English, not only ASCII
    assert found == {}, "\n".join(f"{page}: {text}" for text, page in sorted(found.items()))


def test_the_walk_would_see_a_vietnamese_string():
    assert untranslated("<p>Tổng số</p><button title='Đóng'>x</button>") == ["Tổng số", "Đóng"]
    assert untranslated("<script>var a='Tổng'</script><p>Total</p>") == []
    assert untranslated("<p>Decree 20/2021/NĐ-CP, Art. 5</p>") == []


def test_reference_names_follow_the_language():
    from core.reference_text import legal_basis, translated

    k5c = Category.objects.get(code="K5C")
    vnpost = Provider.objects.get(code="VNPOST")
    with translation.override("en"):
        assert str(k5c) == "K5C – Person aged 80 or over with no pension or other monthly benefit"
        assert vnpost.display_name == "Vietnam Post (VNPost)"
        assert legal_basis(k5c.legal_basis) == "Decree 20/2021/NĐ-CP, Art. 5 cl. 5 point c"
        assert translated("A name an administrator typed") == "A name an administrator typed"
    with translation.override("vi"):
        assert k5c.display_name == k5c.name  # as stored
        assert vnpost.display_name == "Bưu điện Việt Nam (VNPost)"
        assert legal_basis(k5c.legal_basis) == k5c.legal_basis


def test_the_policy_engine_explains_in_the_active_language():
    from beneficiaries.policy import Person, monthly_entitlement
    from beneficiaries.policy_tables import load_policy_tables

    tables = load_policy_tables()
    young = Person(
        date_of_birth=datetime.date(1990, 1, 1),
        categories=("K5C", "K4"),
        disability_level="",
        dependent_children=None,
    )
    with translation.override("en"):
        notes = {p.code: p.note for p in monthly_entitlement(tables, young, DEC, "46").parts}
    assert notes == {
        "K5C": "Not eligible by age this month",
        "K4": "Not eligible: the number of children being raised is missing",
    }
    with translation.override("vi"):
        notes = {p.code: p.note for p in monthly_entitlement(tables, young, DEC, "46").parts}
    assert notes["K5C"] == "Không đủ điều kiện tuổi trong tháng"


def test_a_provider_failure_reads_in_the_active_language():
    from providers.messages import failure_reason_text

    stored = failure_reason_vi("WALLET_LOCKED")
    with translation.override("en"):
        assert failure_reason_text("WALLET_LOCKED", stored) == "The wallet is locked"
        assert failure_reason_text("X9", "Nhà cung cấp từ chối (mã X9)") == (
            "The provider refused it (code X9)"
        )
        assert failure_reason_text("", "ghi chú") == "ghi chú"
    with translation.override("vi"):
        assert failure_reason_text("WALLET_LOCKED", stored) == stored == "Ví đang bị khóa"
