"""Vietnamese unless the user chose otherwise.

Django's LocaleMiddleware would follow the browser's Accept-Language, and most office PCs
run an English browser; the interface must still open in Vietnamese. Only an explicit choice
(the language cookie set by the language switcher) changes it.
"""

from django.conf import settings
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


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy header (TROCAP_CSP): scripts only from this app, no inline
    script, nothing from elsewhere. Inline style attributes stay allowed (bar widths, the
    coverage colours, htmx's indicator style)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.TROCAP_CSP:
            response.headers.setdefault("Content-Security-Policy", settings.TROCAP_CSP)
        return response
