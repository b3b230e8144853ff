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
