"""The export page's form: the pickers; what they mean is checked by `exports.spec.export_spec_clean`."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exports.presets import PRESETS, Language, Layout
from exports.spec import CSV_DELIMITERS, ORIGINAL, ExportSpec, LinkKind, export_spec_clean
from gallery.selectors import album_list
from gallery.specs import THUMBNAIL_FORMATS, THUMBNAIL_SIZES

FILE_FORMATS = (("xlsx", "XLSX"), ("csv", "CSV"))
SEPARATOR_CHOICES = (
    ("", _("preset's own")),
    ("semicolon", _("semicolon ;")),
    ("comma", _("comma ,")),
    ("newline", _("new line")),
    ("space", _("space")),
)


class ExportForm(forms.Form):
    albums = forms.MultipleChoiceField(label=_("Albums"), widget=forms.SelectMultiple(attrs={"size": 6}))
    skus = forms.CharField(
        label=_("SKUs, one per line (empty: every article)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    uploaded_from = forms.DateField(
        label=_("Uploaded from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    uploaded_to = forms.DateField(
        label=_("Uploaded to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    preset = forms.ChoiceField(
        label=_("Preset"), choices=[(key, preset.title) for key, preset in PRESETS.items()], initial="in_row"
    )
    layout = forms.ChoiceField(
        label=_("Layout"),
        required=False,
        choices=[
            ("", _("preset's own")),
            (Layout.IN_ROW, _("in a row: SKU, Link 1 … N")),
            (Layout.IN_CELL, _("in one cell")),
            (Layout.PER_IMAGE, _("one row per photo")),
        ],
    )
    size = forms.ChoiceField(label=_("Link to"), initial=ORIGINAL)
    thumbnail_format = forms.ChoiceField(
        label=_("Copy format"), choices=[(fmt, fmt.upper()) for fmt in THUMBNAIL_FORMATS], initial="jpeg"
    )
    links = forms.ChoiceField(
        label=_("Links"),
        choices=[
            (LinkKind.CONTENT, _("exact file (changes with the photo)")),
            (LinkKind.POSITION, _("photo number (follows a replaced photo)")),
        ],
        initial=LinkKind.CONTENT,
    )
    separator = forms.ChoiceField(label=_("Separator in one cell"), required=False, choices=SEPARATOR_CHOICES)
    language = forms.ChoiceField(
        label=_("Headers"), choices=[(Language.RU, "Русский"), (Language.EN, "English")], initial=Language.RU
    )
    file_format = forms.ChoiceField(label=_("File"), choices=FILE_FORMATS, initial="xlsx")
    delimiter = forms.ChoiceField(
        label=_("CSV delimiter"), choices=[(key, key) for key in CSV_DELIMITERS], initial=";"
    )
    no_bom = forms.BooleanField(label=_("CSV without BOM"), required=False)

    @classmethod
    def from_query(cls, query: QueryDict) -> "ExportForm":
        """A bound form from a query string; pickers left out take their defaults (short links work)."""
        data = query.copy()
        for name, field in cls.base_fields.items():
            if name not in data and field.initial is not None:
                data[name] = field.initial
        return cls(data)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["albums"].choices = list(album_list().values_list("slug", "name"))
        self.fields["size"].choices = [
            (ORIGINAL, gettext("the original")),
            *((str(size), gettext("%(size)s px copy") % {"size": size}) for size in THUMBNAIL_SIZES),
        ]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            data["spec"] = export_spec_clean(
                albums=data["albums"],
                skus=data["skus"],
                uploaded_from=data["uploaded_from"],
                uploaded_to=data["uploaded_to"],
                preset=data["preset"],
                layout=data["layout"] or None,
                size=data["size"],
                thumbnail_format=data["thumbnail_format"],
                links=data["links"],
                separator=data["separator"] or None,
                language=data["language"],
                delimiter=data["delimiter"],
                bom=not data["no_bom"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    @property
    def spec(self) -> ExportSpec:
        return self.cleaned_data["spec"]
