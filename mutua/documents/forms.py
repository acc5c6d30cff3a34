from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.documents.verification import normalize_code

INVALID_CODE = _("Codice non valido: controlla di averlo copiato come è stampato sul documento.")


class VerifyForm(forms.Form):
    """The code printed on a document, in any case and with or without dashes; anything else is just invalid."""

    code = forms.CharField(
        label=_("Codice di verifica"),
        help_text=_("16 lettere e cifre in 4 gruppi, per esempio K7QM-2XPA-JRTB-4HCN."),
        error_messages={"required": INVALID_CODE},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": "40"}
        ),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(INVALID_CODE, code="invalid")
        return code
