"""The export page's form: the pickers; what they mean is checked by `exports.spec.export_spec_clean`."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import get_language, gettext
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


def _ui_language() -> str:
    """Sheet headers follow the interface language unless the user picks otherwise."""
    return Language.EN if (get_language() or "").startswith("en") else Language.RU


class ExportForm(forms.Form):
    albums = forms.MultipleChoiceField(
        label=_("Albums"), widget=forms.CheckboxSelectMultiple, help_text=_("Tick one or more albums.")
    )
    skus = forms.CharField(
        label=_("Only these SKUs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_("One per line; a column pasted from Excel works. Empty: every article of the albums."),
    )
    uploaded_from = forms.DateField(
        label=_("Photos uploaded from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    uploaded_to = forms.DateField(
        label=_("Photos uploaded until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Both days included. Empty: any time."),
    )
    preset = forms.ChoiceField(
        label=_("Marketplace"),
        choices=[(key, preset.title) for key, preset in PRESETS.items()],
        initial="in_row",
        help_text=_("Sets the columns, the link order and the checks the marketplace's bulk import expects."),
    )
    layout = forms.ChoiceField(
        label=_("How links are placed"),
        required=False,
        choices=[
            ("", _("as the marketplace wants")),
            (Layout.IN_ROW, _("one row per SKU, one link per column")),
            (Layout.IN_CELL, _("one row per SKU, all links in one cell")),
            (Layout.PER_IMAGE, _("one row per photo")),
        ],
    )
    size = forms.ChoiceField(
        label=_("Photo size in the links"),
        initial=ORIGINAL,
        help_text=_("The uploaded file, or a smaller copy made on upload."),
    )
    thumbnail_format = forms.ChoiceField(
        label=_("File type of the smaller copy"),
        choices=[(fmt, fmt.upper()) for fmt in THUMBNAIL_FORMATS],
        initial="jpeg",
        help_text=_("Used only when the links point at a smaller copy."),
    )
    links = forms.ChoiceField(
        label=_("What a link points at"),
        choices=[
            (LinkKind.CONTENT, _("this exact photo (a new photo gets a new link)")),
            (LinkKind.POSITION, _("the photo's place: 1st, 2nd … (follows a replaced photo)")),
        ],
        initial=LinkKind.CONTENT,
    )
    separator = forms.ChoiceField(
        label=_("Between links in one cell"), required=False, choices=SEPARATOR_CHOICES
    )
    language = forms.ChoiceField(
        label=_("Column headings in"), choices=[(Language.RU, "Русский"), (Language.EN, "English")]
    )
    file_format = forms.ChoiceField(label=_("File type"), choices=FILE_FORMATS, initial="xlsx")
    delimiter = forms.ChoiceField(
        label=_("CSV column separator"), choices=[(key, key) for key in CSV_DELIMITERS], initial=";"
    )
    no_bom = forms.BooleanField(
        label=_("CSV for other programs (no byte-order mark)"),
        required=False,
        help_text=_("Leave off for Excel: without the mark it may show Cyrillic as gibberish."),
    )

    @classmethod
    def from_query(cls, query: QueryDict, *, base_url: str = "") -> "ExportForm":
        """A bound form from a query string; pickers left out take their defaults (short links work)."""
        data = query.copy()
        for name, field in cls.base_fields.items():
            initial = _ui_language() if name == "language" else field.initial
            if name not in data and initial is not None:
                data[name] = initial
        return cls(data, base_url=base_url)

    def __init__(self, *args, base_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url
        self.fields["language"].initial = _ui_language()
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
                base_url=self.base_url,
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    @property
    def spec(self) -> ExportSpec:
        return self.cleaned_data["spec"]
