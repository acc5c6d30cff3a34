from __future__ import annotations

from collections.abc import Set
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.documents.uploads import SCAN_KINDS, SCAN_MAX_BYTES, uploads_check
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
    """Several scanned files in one input, each checked by its content (documents.uploads: PDF, JPEG or TIFF, at
    most 2 MB), so a refused file is reported next to the field together with the form's other errors, not after
    they are fixed."""

    def __init__(self, *, kinds: Set[str] = SCAN_KINDS, max_bytes: int = SCAN_MAX_BYTES, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.tif,.tiff,application/pdf,image/jpeg,image/tiff"}),
        )
        kwargs.setdefault("allow_empty_file", True)  # the content check says which file is empty
        super().__init__(**kwargs)
        self.kinds, self.max_bytes = kinds, max_bytes

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        _accepted, problems = uploads_check(cleaned, kinds=self.kinds, max_bytes=self.max_bytes)
        if problems:
            raise forms.ValidationError([forms.ValidationError(p, code="file_refused") for p in problems])
        return cleaned
