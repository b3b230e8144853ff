"""File downloads: the one place that builds an attachment response."""

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes | str, filename: str, content_type: str = XLSX) -> HttpResponse:
    """`content` as a download named `filename` (ASCII, as every export name here is)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
