"""Writes of the reports app."""

from reports.models import ExportLog


def export_log(
    *, user, what: str, unit=None, parameters: str = "", row_count: int = 0
) -> ExportLog:
    """Record an export of personal data: who (None for a management command, whose
    `parameters` say so), what, when, how many rows."""
    return ExportLog.objects.create(
        user=user, what=what, unit=unit, parameters=parameters[:255], row_count=row_count
    )


def export_log_receiver(sender, *, user, what, unit=None, parameters="", row_count=0, **kwargs):
    """`org.signals.personal_data_exported` -> an ExportLog row."""
    return export_log(user=user, what=what, unit=unit, parameters=parameters, row_count=row_count)
