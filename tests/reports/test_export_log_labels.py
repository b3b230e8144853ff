"""The export log shows what left the system by its Vietnamese label, not by its code."""

import pytest
from django.utils import translation

from org.downloads import ExportWhat, export_logged
from reports.models import ExportLog

pytestmark = pytest.mark.django_db
ADMIN = "/admin/reports/exportlog/"


def test_every_export_the_code_logs_has_a_label():
    # The codes the views, the admin, the commands and the API log.
    for code in (
        "register_xlsx",
        "register_admin_xlsx",
        "initial_load",
        "payment_list_csv",
        "payment_list_xlsx",
        "payment_results_csv",
        "signature_list",
        "settlement_xlsx",
        "coverage_xlsx",
        "api_beneficiaries",
        "api_changes",
        "api_payment_lines",
    ):
        assert ExportWhat(code).label != code


def test_the_admin_lists_the_label_of_what_was_exported(client, officers):
    export_logged(user=officers["district"], what="payment_list_xlsx", row_count=12)
    export_logged(user=officers["commune"], what="register_xlsx", row_count=3)
    client.force_login(officers["admin"])
    page = client.get(ADMIN, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Danh sách chi trả chính thức (xlsx)" in page
    assert "Sổ đối tượng (xlsx)" in page
    # The filter names them too; the raw codes appear only in the filter's query strings.
    assert ">payment_list_xlsx<" not in page and ">register_xlsx<" not in page


def test_the_entry_names_its_label():
    entry = ExportLog.objects.create(what="signature_list")
    with translation.override("vi"):
        assert "Danh sách ký nhận tiền mặt" in str(entry)
    # A code logged before it had a label shows as it is.
    assert "old_code" in str(ExportLog.objects.create(what="old_code"))
