"""Forms of the gallery pages: the album page's article filters, the target of a selection's move."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from gallery.models import Album, Article, name_key
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


class MoveForm(forms.Form):
    """Where a selection goes: an album and, for photos, an article of it (an existing SKU, or a new one).

    `source` is the album the selection comes from; `images` the photos being moved (empty for articles).
    `clean()` leaves the existing target article, if any, in `cleaned_data["article"]`. The fields are named
    `to_…`, since `album` is the selection form's source album.
    """

    to_album = forms.ModelChoiceField(label=_("To album"), queryset=Album.objects.order_by("name_key"))
    to_sku = forms.CharField(label=_("To article (SKU)"), max_length=200, strip=True)
    new_article = forms.BooleanField(
        label=_("Create a new article with this SKU"),
        required=False,
        help_text=_("Leave unticked to add the photos to an article the album already has."),
    )

    def __init__(self, *args, source: Album, images: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source, self.images = source, images
        self.fields["to_album"].initial = source.pk
        if not images:  # whole articles move: they keep their SKUs
            del self.fields["to_sku"], self.fields["new_article"]

    def clean(self) -> dict:
        cleaned = super().clean()
        album = cleaned.get("to_album")
        if album is None:
            return cleaned
        if not self.images:
            if album.pk == self.source.pk:
                raise forms.ValidationError(_("The articles are already in this album. Choose another one."))
            return cleaned
        sku = cleaned.get("to_sku")
        if not sku:
            return cleaned
        article = Article.objects.filter(album=album, sku_key=name_key(sku)).first()
        if cleaned.get("new_article") and article is not None:
            message = _(
                "Album “%(album)s” already has “%(sku)s”. "
                "Untick “Create a new article” to add the photos to it."
            )
            self.add_error("to_sku", message % {"album": album.name, "sku": article.sku})
        elif not cleaned.get("new_article") and article is None:
            message = _(
                "Album “%(album)s” has no article “%(sku)s”. Tick “Create a new article” to create it."
            )
            self.add_error("to_sku", message % {"album": album.name, "sku": sku})
        elif article is not None and all(image.article_id == article.pk for image in self.images):
            self.add_error("to_sku", _("These photos are already in this article. Choose another one."))
        cleaned["article"] = article
        return cleaned
