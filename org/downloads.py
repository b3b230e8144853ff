"""File downloads: the one place that builds an attachment response, and the one that makes a
cell's text safe to open in a spreadsheet."""

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from org.signals import personal_data_exported


class ExportWhat(models.TextChoices):
    """What left the system, as the export log records it (a code) and shows it (a label)."""

    REGISTER_XLSX = "register_xlsx", _("Register (xlsx)")
    REGISTER_ADMIN_XLSX = "register_admin_xlsx", _("Register from the admin")
    INITIAL_LOAD = "initial_load", _("Initial load of the register")
    PAYMENT_LIST_CSV = "payment_list_csv", _("Payment list (CSV)")
    PAYMENT_LIST_XLSX = "payment_list_xlsx", _("Official payment list (xlsx)")
    PAYMENT_RESULTS_CSV = "payment_results_csv", _("Payment results (CSV)")
    SIGNATURE_LIST = "signature_list", _("Cash signature list")
    SETTLEMENT_XLSX = "settlement_xlsx", _("Settlement report (xlsx)")
    COVERAGE_XLSX = "coverage_xlsx", _("Coverage report (xlsx)")
    API_BENEFICIARIES = "api_beneficiaries", _("Beneficiaries through the API")
    API_CHANGES = "api_changes", _("Change records through the API")
    API_PAYMENT_LINES = "api_payment_lines", _("Payment lines through the API")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes | str, filename: str, content_type: str = XLSX) -> HttpResponse:
    """`content` as a download named `filename` (ASCII, as every export name here is)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# A cell starting with one of these is run as a formula by Excel or LibreOffice (OWASP's list:
# "=", "+", "-", "@", tab and carriage return).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a single quote to text a spreadsheet would otherwise run as a formula."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_text(value: str) -> str:
    """Text for an .xlsx cell: neutralised, without the control characters openpyxl refuses
    (they have no place in a printed list anyway)."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def safe_cell(value):
    """Any cell value: text made safe by `cell_text`, numbers and dates as they are."""
    return cell_text(value) if isinstance(value, str) else value


def export_logged(*, user, what: str, unit=None, parameters: str = "", row_count: int = 0) -> None:
    """Record that personal data left the system: who (None for a management command, whose
    `parameters` say so), what, which unit, how many rows. The export log (reports) listens; an
    export with nobody keeping the log is refused rather than left unrecorded."""
    answers = personal_data_exported.send(
        sender=None, user=user, what=what, unit=unit, parameters=parameters, row_count=row_count
    )
    if not answers:
        raise ImproperlyConfigured("Nothing keeps the export log (is the reports app installed?).")
