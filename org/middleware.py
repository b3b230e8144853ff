"""Vietnamese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language, and most office PCs
run an English browser; the interface must still open in Vietnamese. Only an explicit choice
(the language cookie set by the language switcher) changes it.
"""

import time

from django.conf import settings
from django.shortcuts import render
from django.utils import translation


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RejectNulMiddleware:
    """A NUL character in the query string is never a real search or filter, and PostgreSQL
    refuses it in a query (a 500 where a 400 is due): answer 400 before any view runs.
    (Form fields and the API's serializers already refuse it in bodies.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            from django.http import HttpResponseBadRequest
            from django.utils.translation import gettext as _

            return HttpResponseBadRequest(
                _("The address contains a character that is not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """A request body larger than TROCAP_MAX_REQUEST_BYTES is refused with 413 before anything
    reads it, with a page that says what the limits are. Django bounds the form fields of a
    request (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files, which it would spool to disk
    whatever their size; the forms then check each file's own limit (10 MB for an import,
    5 MB for a scanned decision). A body without a Content-Length is never read by Django."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.TROCAP_MAX_REQUEST_BYTES
        if limit and length > limit:
            return self._too_large(request, length, limit)
        return self.get_response(request)

    @staticmethod
    def _too_large(request, length: int, limit: int):
        from django.http import HttpResponse, JsonResponse
        from django.template.loader import render_to_string
        from django.utils.translation import gettext as _

        message = _(
            "The upload is %(size)s MB; this system takes at most %(limit)s MB at once "
            "(an import file 10 MB, a scanned decision 5 MB). Nothing was saved."
        ) % {
            "size": f"{length / 1_048_576:.1f}".replace(".", ","),
            "limit": f"{limit / 1_048_576:.0f}",
        }
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        html = render_to_string(
            "413.html",
            {"message": message, "back": request.META.get("HTTP_REFERER") or "/"},
        )
        return HttpResponse(html, status=413)


class SessionIdleMiddleware:
    """A signed-in user's session ends SESSION_COOKIE_AGE seconds after their last request.

    The session's expiry is stored with it, so it moves on only when the session is saved;
    instead of saving it on every request (SESSION_SAVE_EVERY_REQUEST, a database write per
    page), this marks it for saving when its last save is SESSION_REFRESH_SECONDS old or more.
    A session idle for the whole age, less at most that minute, has ended."""

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # modified: SessionMiddleware saves it, a new expiry
        return response


class AbolishedUnitMiddleware:
    """A user whose unit the 2025 reform abolished (an inactive unit) cannot act until the
    administrator re-homes them: every page but signing out and the language answers one page
    saying so (403). The one place this is checked; the administrator is never held."""

    OPEN_PATHS = ("/dang-xuat/", "/ngon-ngu/", "/static/", "/healthz/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.held_by_reform
            and not request.path.startswith(self.OPEN_PATHS)
        ):
            return render(request, "org/abolished_unit.html", status=403)
        return self.get_response(request)
