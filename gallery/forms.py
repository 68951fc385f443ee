"""Forms of the gallery pages: the album page's article filters."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gallery.selectors import FILTER_DATE_MAX, FILTER_DATE_MIN, ArticleFilters


class DateInput(forms.DateInput):
    input_type = "date"


def _upload_date(label: str) -> forms.DateField:
    """An optional day within the range every upload-date filter accepts (`FILTER_DATE_MIN`…`MAX`)."""
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput(attrs={"min": FILTER_DATE_MIN.isoformat(), "max": FILTER_DATE_MAX.isoformat()}),
        validators=[MinValueValidator(FILTER_DATE_MIN), MaxValueValidator(FILTER_DATE_MAX)],
    )


class ArticleFilterForm(forms.Form):
    """Search and filters of an album's articles; `filters()` is what the selector understands."""

    q = forms.CharField(label=_("SKU contains"), required=False, max_length=200, strip=True)
    uploaded_from = _upload_date(_("Uploaded from"))
    uploaded_to = _upload_date(_("Uploaded to"))
    uploaded_by = forms.ModelChoiceField(
        label=_("Uploaded by"),
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label=_("anyone"),
    )
    without_photos = forms.BooleanField(label=_("Only without photos"), required=False)

    def __init__(self, *args, uploaders, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uploaded_by"].queryset = uploaders

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("uploaded_from"), cleaned.get("uploaded_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def filters(self) -> ArticleFilters:
        if not self.is_valid():
            return ArticleFilters()
        data = self.cleaned_data
        return ArticleFilters(
            sku=data["q"],
            uploaded_from=data["uploaded_from"],
            uploaded_to=data["uploaded_to"],
            uploaded_by=data["uploaded_by"].pk if data["uploaded_by"] else None,
            without_photos=data["without_photos"],
        )
