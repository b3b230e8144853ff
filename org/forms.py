from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from org.lockout import locked_minutes


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Both are case-sensitive; check Caps Lock and try again."
        ),
        "inactive": _("This account has been disabled. Ask your administrator."),
        "locked": _(
            "Too many failed sign-ins: signing in is blocked for %(minutes)s more minutes. "
            "If you forgot your password, ask your administrator."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if self.cleaned_data.get("password"):
            minutes = locked_minutes(self.request, username)
            if minutes:
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"minutes": minutes}
                )
        return super().clean()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget = forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        )
