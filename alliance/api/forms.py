from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .export import FORMATS
from .models import ApiToken, Scope, WebhookEndpoint
from .webhooks import url_problem


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "scope"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("address"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        problem = url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url


class ExportForm(forms.Form):
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=[(f, f.upper() if f == "csv" else f.capitalize()) for f in FORMATS],
        initial=list(FORMATS),
        widget=forms.CheckboxSelectMultiple,
    )


__all__ = ["ExportForm", "Scope", "TokenForm", "WebhookForm"]
