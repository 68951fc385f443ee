"""Forms of the gallery pages: the album page's article filters."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from gallery.selectors import ArticleFilters


class DateInput(forms.DateInput):
    input_type = "date"


class ArticleFilterForm(forms.Form):
    """Search and filters of an album's articles; `filters()` is what the selector understands."""

    q = forms.CharField(label=_("SKU contains"), required=False, max_length=200, strip=True)
    uploaded_from = forms.DateField(label=_("Uploaded from"), required=False, widget=DateInput)
    uploaded_to = forms.DateField(label=_("Uploaded to"), required=False, widget=DateInput)
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
