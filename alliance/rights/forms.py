from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmErasureForm(forms.Form):
    """Typing the client's code: a deliberate act, and proof the right client is on screen."""

    code = forms.CharField(label=_("Type the client's code to confirm"), max_length=40)

    def __init__(self, *args: Any, client_code: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_code = client_code

    def clean_code(self) -> str:
        typed = self.cleaned_data["code"].strip()
        if typed != self.client_code:
            raise forms.ValidationError(
                _("That is not this client's code. Nothing has been deleted.")
            )
        return typed
