"""The import contract (DESIGN.md §5): all or nothing, every bad row named by row and column."""

import csv
import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from accounts.models import PaymentAccount
from beneficiaries.errors import BeneficiaryErrorCode as Code
from beneficiaries.models import Beneficiary, ChangeRecord, ImportJob
from beneficiaries.selectors import beneficiary_history, change_queue
from beneficiaries.services.import_file import COLUMNS, LABELS
from beneficiaries.services.importing import beneficiaries_import
from core.errors import AppForbidden
from org.privacy import identifiers_for
from payments.models import PaymentList, PaymentPeriod
from reports.models import ExportLog
from tests.factories import BeneficiaryFactory, id_number_for

pytestmark = pytest.mark.django_db


def rows(commune_code: str, n: int) -> list[dict]:
    out = []
    for i in range(n):
        dob = datetime.date(1925 + i % 15, 1 + i % 12, 1 + i % 28)
        sex = "F" if i % 2 else "M"
        row = dict.fromkeys(COLUMNS, "")
        row.update(
            external_id=f"OLD-{i:05d}",
            full_name=f"Phan Văn Ổi {i}",
            date_of_birth=dob.isoformat() if i % 3 else dob.strftime("%d/%m/%Y"),
            gender=sex if i % 4 else ("Nữ" if sex == "F" else "Nam"),
            ethnicity="Kinh",
            id_number=id_number_for(dob, sex, 500000 + i),
            commune_code=commune_code,
            address="Thôn Phú Ốc",
            category="K5C" if i % 5 else "K5C;K6",
            disability_level="" if i % 5 else "severe",
            decision_number=f"{i}/QĐ-UBND",
            decision_date="2024-07-05",
            start_month="2024-07",
        )
        if i % 2:
            row.update(
                recipient_full_name=f"Phan Thị Bé {i}",
                recipient_id_number=id_number_for(datetime.date(1975, 1, 1), "F", 700000 + i),
                recipient_relationship="Con gái",
                recipient_phone=f"097{i:07d}",
                account_provider="VIETTELPAY",
                account_number=f"097{i:07d}",
                account_holder="recipient",
            )
        out.append(row)
    return out


def write_csv(path, data: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(data)


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import_beneficiaries", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def test_one_bad_row_among_thousands_imports_nothing_then_the_fixed_file_imports_all(
    tmp_path, officers, hue_units
):
    data = rows(hue_units["commune"].code, 2000)
    data[1234]["id_number"] = data[1234]["id_number"][:-1]  # 11 digits
    path = tmp_path / "doi_tuong.csv"
    write_csv(path, data)
    err = io.StringIO()
    with pytest.raises(CommandError, match=re.escape("1 bad rows of 2.000 in doi_tuong.csv")):
        call_command(
            "import_beneficiaries", str(path), "--as", "xa", stdout=io.StringIO(), stderr=err
        )
    # Row 1236: the header is row 1, so data[1234] is the 1236th line of the sheet.
    assert "Dòng 1236, cột «Số định danh cá nhân»:" in err.getvalue()
    assert Beneficiary.objects.count() == 0

    data[1234]["id_number"] = id_number_for(
        datetime.date.fromisoformat(data[1234]["date_of_birth"])
        if "-" in data[1234]["date_of_birth"]
        else datetime.datetime.strptime(data[1234]["date_of_birth"], "%d/%m/%Y").date(),  # noqa: DTZ007
        "F" if data[1234]["gender"] in ("F", "Nữ") else "M",
        501234,
    )
    write_csv(path, data)
    output = run(path, "--as", "xa")
    assert output.strip().splitlines()[-1] == (
        "import_beneficiaries: 2.000 rows of doi_tuong.csv imported as "
        "registrations waiting for approval."
    )
    assert Beneficiary.objects.filter(status="pending").count() == 2000
    assert (
        ChangeRecord.objects.filter(kind="register", status="submitted", source="import").count()
        == 2000
    )
    assert PaymentAccount.objects.filter(status="pending", holder="recipient").count() == 1000


def close_a_list(district, month=datetime.date(2026, 6, 1)):
    """A closed payment list of `district` (nothing else about it matters here)."""
    period = PaymentPeriod.objects.create(unit=district, month=month, status="closed")
    PaymentList.objects.create(period=period, generated_at=timezone.now(), closed_at=timezone.now())


@pytest.mark.parametrize("username", ["xa", "huyen", "tinh"])
def test_no_officer_may_make_an_import_the_initial_load(tmp_path, officers, hue_units, username):
    # Before issue 16 the district and the province (and the commune, through the service) could
    # load active, approved people that the next list paid, with no checker at all.
    path = tmp_path / "cu.csv"
    write_csv(path, rows(hue_units["commune"].code, 3))
    with pytest.raises(CommandError, match="Chỉ quản trị hệ thống"):
        run(path, "--as", username, "--initial-load")
    for user in (officers["commune"], officers["district"], officers["province"]):
        for dry_run in (True, False):
            with pytest.raises(AppForbidden) as excinfo:
                beneficiaries_import(
                    name="cu.csv",
                    content=path.read_bytes(),
                    user=user,
                    initial_load=True,
                    dry_run=dry_run,
                )
            assert excinfo.value.code == Code.INITIAL_LOAD_NOT_ALLOWED
    assert Beneficiary.objects.count() == 0
    assert not ExportLog.objects.exists()


def test_the_administrator_loads_once_logged_and_named_in_each_history(
    tmp_path, officers, hue_units
):
    path = tmp_path / "cu.csv"
    write_csv(path, rows(hue_units["neighbour"].code, 30))
    output = run(path, "--as", "quantri", "--initial-load")
    assert "30 rows of cu.csv imported as active beneficiaries (initial load)" in output
    assert Beneficiary.objects.filter(status="active", commune=hue_units["neighbour"]).count() == 30
    assert ChangeRecord.objects.filter(status="approved", checker=None).count() == 30
    # The audit log: who, what, which commune, how many rows.
    entry = ExportLog.objects.get()
    assert (entry.user, entry.what, entry.unit, entry.row_count) == (
        officers["admin"],
        "initial_load",
        hue_units["neighbour"],
        30,
    )
    # Every history row of every imported person says who loaded them.
    reason = f"Nạp dữ liệu ban đầu do {officers['admin']} thực hiện"
    b = Beneficiary.objects.filter(accounts__isnull=False).first()
    entries = beneficiary_history(beneficiary=b, identifiers=identifiers_for(officers["admin"]))
    assert len(entries) == 5  # the person, a category, the recipient, the account, the change
    assert {e.reason for e in entries} == {reason}
    assert set(Beneficiary.history.values_list("history_change_reason", flat=True)) == {reason}

    # Once the district has closed a list, the initial load is over for its communes.
    close_a_list(hue_units["district"])
    write_csv(path, rows(hue_units["neighbour"].code, 40)[30:])
    with pytest.raises(CommandError, match="đã có danh sách chi trả đã chốt"):
        run(path, "--as", "quantri", "--initial-load")
    with pytest.raises(ValidationError) as excinfo:
        beneficiaries_import(
            name="cu.csv", content=path.read_bytes(), user=officers["admin"], initial_load=True
        )
    assert excinfo.value.code == Code.INITIAL_LOAD_AFTER_CLOSED_LIST
    assert Beneficiary.objects.count() == 30 and ExportLog.objects.count() == 1
    # Another district's communes have no closed list: they may still be loaded.
    write_csv(path, rows(hue_units["far_commune"].code, 40)[30:])
    assert "10 rows of cu.csv imported as active" in run(path, "--as", "quantri", "--initial-load")


def test_an_officers_import_waits_in_the_checkers_queue(tmp_path, officers, hue_units):
    path = tmp_path / "moi.csv"
    write_csv(path, rows(hue_units["commune"].code, 4))
    assert "as registrations waiting for approval" in run(path, "--as", "xa")
    queue = change_queue(user=officers["district"])
    assert queue.count() == 4
    assert {(c.kind, c.status, c.source, c.checker) for c in queue} == {
        ("register", "submitted", "import", None)
    }
    assert set(Beneficiary.objects.values_list("status", flat=True)) == {"pending"}
    assert not ExportLog.objects.filter(what="initial_load").exists()


def test_dry_run_checks_and_imports_nothing(tmp_path, officers, hue_units):
    path = tmp_path / "a.csv"
    write_csv(path, rows(hue_units["commune"].code, 10))
    assert "10 rows of a.csv are valid (dry run" in run(path, "--as", "xa", "--dry-run")
    assert Beneficiary.objects.count() == 0


def test_every_kind_of_bad_row_is_named(tmp_path, officers, hue_units):
    data = rows(hue_units["commune"].code, 8)
    data[0]["date_of_birth"] = "31/02/1940"
    data[1]["gender"] = "X"
    data[2]["commune_code"] = hue_units["far_commune"].code  # outside the officer's commune
    data[3]["account_number"] = "0912345678"  # not Viettel
    data[4]["category"] = "K6"  # no disability level
    data[5]["id_number"] = data[6]["id_number"]  # twice in the file (and not row 7's person)
    data[7]["start_month"] = "07/2024x"
    path = tmp_path / "bad.csv"
    write_csv(path, data)
    err = io.StringIO()
    with pytest.raises(CommandError, match="8 bad rows of 8"):
        call_command(
            "import_beneficiaries", str(path), "--as", "xa", stdout=io.StringIO(), stderr=err
        )
    report = err.getvalue()
    for row, column in [
        (2, "date_of_birth"),
        (3, "gender"),
        (4, "commune_code"),
        (5, "account_number"),
        (6, "disability_level"),
        (7, "id_number"),
        (8, "id_number"),
        (9, "start_month"),
    ]:
        # The column by its Vietnamese label, as the template's header names it.
        assert f"Dòng {row}, cột «{LABELS[column]}»:" in report, (row, column, report)
    assert Beneficiary.objects.count() == 0


def test_xlsx_with_vietnamese_headers_and_numbers_that_lost_their_zeros(
    tmp_path, officers, hue_units
):
    data = rows(hue_units["commune"].code, 3)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([LABELS[c] for c in COLUMNS])
    for row in data:
        values = [row[c] for c in COLUMNS]
        # Excel stores dates as naive datetimes and IDs typed as numbers lose their leading 0.
        values[COLUMNS.index("date_of_birth")] = datetime.datetime(1931, 2, 2)  # noqa: DTZ001
        values[COLUMNS.index("id_number")] = int(
            id_number_for(
                datetime.date(1931, 2, 2),
                "F" if row["gender"] in ("F", "Nữ") else "M",
                600000 + len(sheet["A"]),
            )
        )
        sheet.append(values)
    path = tmp_path / "dt.xlsx"
    workbook.save(path)
    assert "3 rows of dt.xlsx imported" in run(path, "--as", "xa")
    assert all(
        len(b.id_number) == 12 and b.id_number.startswith("046") for b in Beneficiary.objects.all()
    )


def test_a_file_without_the_required_columns_is_refused(tmp_path, officers):
    path = tmp_path / "x.csv"
    path.write_text("full_name,phone\nA,0971234567\n", encoding="utf-8")
    with pytest.raises(CommandError, match="date_of_birth"):
        run(path, "--as", "xa")
    with pytest.raises(CommandError, match="No active user"):
        run(path, "--as", "nobody")


@pytest.fixture
def worker(eager_celery, django_capture_on_commit_callbacks, settings, tmp_path):
    """The import's Celery tasks run at once, in the test (their own tests use a real worker):
    `worker.post(client, url, data)` posts and follows to the job's page."""
    settings.MEDIA_ROOT = tmp_path

    class Inline:
        def post(self, client, url, data=None):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(url, data or {})
            if response.status_code == 302 and "/nhap/" in response.url:
                return client.get(response.url)
            return response

    return Inline()


def job_of(response) -> ImportJob:
    return ImportJob.objects.get(uuid=response.resolver_match.kwargs["job"])


def test_browser_import_previews_then_confirms(client, officers, hue_units, tmp_path, worker):
    client.force_login(officers["commune"])
    template = client.get(reverse("beneficiaries:import_template"))
    header = next(
        load_workbook(io.BytesIO(template.content))["Danh sách"].iter_rows(values_only=True)
    )
    assert list(header) == [LABELS[c] for c in COLUMNS]

    data = rows(hue_units["commune"].code, 5)
    data[2]["decision_date"] = "hôm qua"
    response = worker.post(client, reverse("beneficiaries:import"), {"file": upload_of(data)})
    html = response.content.decode()
    assert 'data-bad-rows="1"' in html and "decision_date" in html
    assert job_of(response).status == "refused"
    assert Beneficiary.objects.count() == 0

    data[2]["decision_date"] = "2024-07-05"
    response = worker.post(client, reverse("beneficiaries:import"), {"file": upload_of(data)})
    job = job_of(response)
    assert job.status == "checked" and Beneficiary.objects.count() == 0  # a preview only
    assert "data-confirm-import" in response.content.decode()
    confirm = reverse("beneficiaries:import_confirm", args=[job.uuid])
    response = worker.post(client, confirm)
    assert 'data-imported="5"' in response.content.decode()
    assert Beneficiary.objects.count() == 5
    # The stored upload is gone and the job cannot be confirmed again.
    assert not list((tmp_path / "imports").iterdir())
    response = worker.post(client, confirm)
    assert Beneficiary.objects.count() == 5


def test_the_service_codes_every_bad_row_and_logs_the_refusal(officers, hue_units, caplog):
    data = rows(hue_units["commune"].code, 4)
    data[0]["gender"] = "X"
    data[1]["id_number"] = data[1]["id_number"][:-1]  # 11 digits
    data[2]["id_number"] = data[3]["id_number"]  # twice in the file, and not row 4's person
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    with caplog.at_level("INFO", logger="beneficiaries.services.importing"):
        result = beneficiaries_import(
            name="dt.csv", content=buffer.getvalue().encode(), user=officers["commune"]
        )
    assert {(e.row, e.column, e.code) for e in result.errors} == {
        (2, "gender", Code.IMPORT_BAD_VALUE),
        (3, "id_number", Code.ID_NUMBER_FORMAT),
        (4, "id_number", Code.ID_NUMBER_SEX_MISMATCH),
        (4, "id_number", Code.ID_NUMBER_YEAR_MISMATCH),
        (5, "id_number", Code.IMPORT_DUPLICATE_ID),
    }
    assert all(e.message for e in result.errors)
    assert Beneficiary.objects.count() == 0
    received, refused = (r for r in caplog.records if r.name.endswith("importing"))
    assert (received.msg, received.file_name, received.user_id) == (
        "import file received",
        "dt.csv",
        officers["commune"].pk,
    )
    assert (refused.msg, refused.rows, refused.bad_rows, refused.problems) == (
        "import file refused",
        4,
        4,
        5,
    )


def test_only_a_commune_officer_imports_new_registrations(officers):
    with pytest.raises(AppForbidden) as excinfo:
        beneficiaries_import(name="dt.csv", content=b"", user=officers["district"])
    assert excinfo.value.code == Code.IMPORT_NOT_ALLOWED


def upload_of(data: list[dict], name="dt.csv") -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = name
    return upload


def test_the_import_page_offers_the_initial_load_to_the_administrator_only(
    client, officers, hue_units, worker
):
    url = reverse("beneficiaries:import")
    data = rows(hue_units["commune"].code, 3)

    # A commune officer does not see the box, and asking for it anyway is refused.
    client.force_login(officers["commune"])
    assert 'name="initial_load"' not in client.get(url).content.decode()
    html = worker.post(client, url, {"file": upload_of(data), "initial_load": "on"})
    assert "Chỉ quản trị hệ thống được nạp dữ liệu ban đầu" in html.content.decode()
    assert not ImportJob.objects.exists()
    # The district and the province have no import page at all any more.
    for role in ("district", "province"):
        client.force_login(officers[role])
        assert client.get(url).status_code == 403
        response = client.post(url, {"file": upload_of(data), "initial_load": "on"})
        assert response.status_code == 403
    assert Beneficiary.objects.count() == 0

    # The administrator: preview, confirm; the people are active and the load is logged.
    client.force_login(officers["admin"])
    assert 'name="initial_load"' in client.get(url).content.decode()
    response = worker.post(client, url, {"file": upload_of(data), "initial_load": "on"})
    assert "nạp dữ liệu ban đầu" in response.content.decode()
    job = job_of(response)
    worker.post(client, reverse("beneficiaries:import_confirm", args=[job.uuid]))
    assert set(Beneficiary.objects.values_list("status", flat=True)) == {"active"}
    assert ExportLog.objects.get(what="initial_load").row_count == 3

    # A preview made before the district closed its first list cannot be confirmed after.
    more = rows(hue_units["commune"].code, 6)[3:]
    job = job_of(worker.post(client, url, {"file": upload_of(more), "initial_load": "on"}))
    close_a_list(hue_units["district"])
    response = worker.post(client, reverse("beneficiaries:import_confirm", args=[job.uuid]))
    assert "đã có danh sách chi trả đã chốt" in response.content.decode()
    assert Beneficiary.objects.count() == 3
    # And a new upload says so at once, in the preview.
    response = worker.post(client, url, {"file": upload_of(more), "initial_load": "on"})
    assert "đã có danh sách chi trả đã chốt" in response.content.decode()
    assert job_of(response).status == "refused"


def test_an_import_preview_does_not_say_who_is_registered_in_another_district(officers, hue_units):
    """Issue 17: a preview of ID numbers must not map who is a beneficiary anywhere in the
    province; a duplicate outside the officer's scope says neither who nor where."""
    data = rows(hue_units["commune"].code, 2)
    BeneficiaryFactory(
        commune=hue_units["far_commune"], id_number=data[0]["id_number"], full_name="Lê Thị Mận"
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(data)
    result = beneficiaries_import(
        name="dt.csv", content=buffer.getvalue().encode(), user=officers["commune"], dry_run=True
    )
    (error,) = result.errors
    assert (error.row, error.column, error.code) == (2, "id_number", Code.ID_NUMBER_TAKEN)
    assert "Lê Thị Mận" not in error.message
    assert hue_units["far_commune"].name not in error.message


def test_a_file_reads_the_policy_tables_once_not_once_a_row(tmp_path, officers, hue_units):
    """Every row's category rule reads the same approved tables: a 20,000-row file loaded them
    20,000 times (two queries a row, most of an import's time)."""
    from unittest import mock

    from beneficiaries import resources

    path = tmp_path / "doi_tuong.csv"
    write_csv(path, rows(hue_units["commune"].code, 30))
    real = resources.load_policy_tables
    with (
        mock.patch.object(resources, "load_policy_tables", side_effect=real) as per_file,
        mock.patch("beneficiaries.services.checks.load_policy_tables", side_effect=real) as per_row,
    ):
        run(path, "--as", "xa", "--dry-run")
    assert per_file.call_count == 1
    assert per_row.call_count == 0
