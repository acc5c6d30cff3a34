from __future__ import annotations

from typing import Any

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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more scanned files in one field (the upload checks by content are in documents.uploads)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.tif,.tiff,application/pdf,image/jpeg,image/tiff"}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]
