"""ID, phone and account numbers: whole for the officers who handle the cases (commune and
district), masked for the province officer and the administrator everywhere they could read
them (pages, history, exports, the API, the admin); every read of personal data is logged."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from org.privacy import mask_account, mask_data, mask_id_number, mask_phone
from payments.services import payment_list_close
from reports.models import ExportLog
from tests.factories import AccountFactory, RecipientFactory
from tests.payments.test_generate import generate, person

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)

ID = "046190000189"  # born 1990, female, registered in Huế (046)
PHONE = "0912345678"
RECIPIENT_ID = "046085000123"
RECIPIENT_PHONE = "0987654321"
WALLET = "0971234567"
WHOLE = (ID, PHONE, RECIPIENT_ID, RECIPIENT_PHONE, WALLET)
MASKED = ("046*******89", "091*****78", "046*******23", "098*****21", "********67")


def test_the_masks_keep_just_enough_to_tell_two_people_apart():
    assert mask_id_number(ID) == "046*******89"
    assert mask_phone(PHONE) == "091*****78"
    assert mask_account(WALLET) == "********67"
    assert mask_account("108002345678") == "**********78"
    assert mask_id_number("123456789") == "123****89"  # an old CMND
    assert mask_id_number("") == "" and mask_phone(None) == ""
    assert mask_phone("12") == "*2"  # too short: all but the last character
    assert mask_data({"msisdn": WALLET, "items": [{"id_number": ID, "amount": 500000}]}) == {
        "msisdn": "097*****67",
        "items": [{"id_number": "046*******89", "amount": 500000}],
    }


@pytest.fixture
def world(hue_units, officers):
    b = person(
        hue_units["commune"],
        datetime.date(1990, 5, 5),
        ["K6"],
        full_name="Lê Thị Mười",
        id_number=ID,
        phone=PHONE,
        disability_level="severe",
    )
    recipient = RecipientFactory(beneficiary=b, id_number=RECIPIENT_ID, phone=RECIPIENT_PHONE)
    AccountFactory(beneficiary=b, account_number=WALLET, holder="recipient", recipient=recipient)
    period = generate(hue_units["district"], DEC)
    payment_list_close(period=period, closed_by=officers["district"])
    return {"b": b, "recipient": recipient, "period": period}


def shows(text: str) -> tuple[set[str], set[str]]:
    """(whole numbers found, masked numbers found) in a page or a file."""
    return {n for n in WHOLE if n in text}, {n for n in MASKED if n in text}


def without_the_query(text: str, q: str) -> str:
    """A page less the places that repeat what was typed: the search box and its links."""
    for echo in (f'value="{q}"', f"q={q}", f"q%3D{q}", f"?q={q}"):
        text = text.replace(echo, "")
    return text


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_persons_page_and_its_history_by_role(client, officers, world):
    url = reverse("beneficiaries:detail", args=[world["b"].pk])
    for who in ("commune", "district"):
        whole, _masked = shows(page(client, officers[who], url))
        assert whole == set(WHOLE), who
    for who in ("province", "admin"):
        whole, masked = shows(page(client, officers[who], url))
        # The history lists the same numbers as they were entered: masked too.
        assert whole == set(), who
        assert masked == set(MASKED), who


def test_the_register_the_lines_and_the_signature_list_by_role(client, officers, world, hue_units):
    period = world["period"]
    urls = [reverse("beneficiaries:list"), reverse("payments:lines", args=[period.pk])]
    for url in urls:
        assert ID in page(client, officers["district"], url) or WALLET in page(
            client, officers["district"], url
        ), url
        text = page(client, officers["province"], url)
        assert shows(text)[0] == set(), url
        assert "Lê Thị Mười" in text, url
    # Searching by the whole number still finds the person; only the search box repeats it.
    text = page(client, officers["province"], reverse("beneficiaries:list") + "?q=" + ID)
    assert "Lê Thị Mười" in text and "046*******89" in text
    assert ID not in without_the_query(text, ID)
    # The signature list is the cash list; this person has an account, so give them none.
    world["b"].accounts.update(status="closed")
    period2 = generate(hue_units["district"], datetime.date(2027, 1, 1))
    url = reverse("payments:signature_list", args=[period2.pk, hue_units["commune"].pk])
    assert RECIPIENT_ID in page(client, officers["district"], url)
    text = page(client, officers["province"], url)
    assert RECIPIENT_ID not in text and "046*******23" in text


def test_exports_by_role_and_the_providers_files_whole(client, officers, world, tmp_path):
    period = world["period"]
    csv_url = reverse("payments:export", args=[period.pk, "csv"])
    xlsx_url = reverse("payments:export", args=[period.pk, "xlsx"])
    register_url = reverse("beneficiaries:export")

    def download(who, url) -> str:
        client.force_login(officers[who])
        response = client.get(url)
        assert response.status_code == 200, (who, url)
        content = b"".join(response) if response.streaming else response.content
        if url.endswith("csv") or url.endswith("csv/"):
            return content.decode("utf-8-sig")
        book = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell) for ws in book for row in ws.iter_rows(values_only=True) for cell in row
        )

    for url in (csv_url, xlsx_url):
        assert {ID, RECIPIENT_ID, WALLET} <= shows(download("district", url))[0], url
        whole, masked = shows(download("province", url))
        assert whole == set() and {"046*******89", "046*******23", "********67"} <= masked, url
    assert shows(download("commune", register_url))[0] == set(WHOLE)
    whole, masked = shows(download("province", register_url))
    assert whole == set() and masked == set(MASKED)

    # The command writes the file the provider and the post office work from: whole numbers.
    out = tmp_path / "list.csv"
    call_command(
        "export_payment_list",
        unit=period.unit.code,
        month="2026-12",
        format="csv",
        output=str(out),
        stdout=io.StringIO(),
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["beneficiary_id_number"] for r in rows if r["full_name"] == "Lê Thị Mười"] == [ID]
    # ... and is in the export log, with no user but the command and its account.
    entry = ExportLog.objects.latest("created_at")
    assert (entry.user, entry.what, entry.unit) == (None, "payment_list_csv", period.unit)
    assert entry.parameters.startswith("command export_payment_list --month 2026-12 --output ")
    assert "(OS user " in entry.parameters and entry.row_count == len(rows)


def test_the_api_by_role(client, officers, world):
    b, period = world["b"], world["period"]
    urls = [
        reverse("api:beneficiary-list"),
        reverse("api:beneficiary-detail", args=[b.pk]),
        reverse("api:period-lines", args=[period.pk]),
    ]
    for url in urls:
        assert ID in page(client, officers["district"], url), url
        text = page(client, officers["province"], url)
        assert ID not in text and "046*******89" in text, url


def test_every_read_of_personal_data_through_the_api_is_logged(client, officers, world):
    client.force_login(officers["province"])
    client.get(reverse("api:beneficiary-list"), {"status": "active"})
    client.get(reverse("api:beneficiary-detail", args=[world["b"].pk]))
    client.get(reverse("api:period-lines", args=[world["period"].pk]))
    client.get(reverse("api:period-list"))  # no personal data: not an export
    client.get(reverse("api:beneficiary-detail", args=[999999]))  # a 404 gave nothing
    entries = list(ExportLog.objects.order_by("created_at", "id"))
    assert [(e.user, e.what, e.row_count) for e in entries] == [
        (officers["province"], "api_beneficiaries", 1),
        (officers["province"], "api_beneficiaries", 1),
        (officers["province"], "api_payment_lines", 1),
    ]
    assert entries[0].parameters == "/api/v1/beneficiaries/?status=active"
    assert entries[0].unit == officers["province"].unit


def test_the_admin_masks_lists_records_inlines_and_history(client, officers, world):
    b = world["b"]
    line = world["period"].payment_list.lines.get(beneficiary=b)
    urls = [
        reverse("admin:beneficiaries_beneficiary_changelist"),
        reverse("admin:beneficiaries_beneficiary_change", args=[b.pk]),  # recipient inline
        reverse("admin:beneficiaries_beneficiary_history", args=[b.pk]),
        reverse("admin:beneficiaries_authorizedrecipient_change", args=[world["recipient"].pk]),
        reverse("admin:accounts_paymentaccount_changelist"),
        reverse("admin:payments_paymentline_change", args=[line.pk]),
    ]
    for url in urls:
        text = page(client, officers["admin"], url)
        assert shows(text)[0] == set(), url
    assert "046*******89" in page(client, officers["admin"], urls[1])
    # The administrator still finds a person by the whole number.
    text = page(client, officers["admin"], urls[0] + "?q=" + ID)
    assert "Lê Thị Mười" in text and "046*******89" in text
    assert ID not in without_the_query(text, ID)


def test_the_export_log_is_in_the_admin(client, officers, world):
    client.force_login(officers["district"])
    client.get(reverse("payments:export", args=[world["period"].pk, "csv"]))
    text = page(client, officers["admin"], reverse("admin:reports_exportlog_changelist"))
    assert str(officers["district"]) in text and "payment_list_csv" in text
