"""What the catalogue's admin pages share: previews from Thumbnail rows, confirmation pages, photo columns."""

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from gallery.links import thumbnail_url
from gallery.models import Image, Thumbnail
from gallery.specs import THUMBNAIL_SIZES

LIST_PREVIEW_SIZE = THUMBNAIL_SIZES[0]
PAGE_PREVIEW_SIZE = THUMBNAIL_SIZES[1]
SHA_SEARCH_MIN = 6
HEX_DIGITS = frozenset("0123456789abcdef")
PREVIEW_BOXES = (60, 80, 320, 640)  # sides in CSS pixels; static/pichosting/admin.css has a class for each


def thumbnail_file(image_pk, *, size: int = LIST_PREVIEW_SIZE) -> Subquery:
    """The storage name of an image's JPEG thumbnail of `size`, as a subquery (for `annotate`)."""
    return Subquery(Thumbnail.objects.filter(image_id=image_pk, size=size, format="jpeg").values("file")[:1])


def first_image_annotations(
    first_images: Callable[[OuterRef], QuerySet], *, sizes=(LIST_PREVIEW_SIZE,)
) -> dict:
    """Annotations naming an album's or article's first photo and its thumbnails' storage names, for
    `first_preview()`; `first_images(ref)` orders the photos of the row `ref` points at."""
    outer = OuterRef("pk")
    nested_first_pk = Subquery(first_images(OuterRef(outer)).values("pk")[:1])
    return {
        "first_id": Subquery(first_images(outer).values("pk")[:1]),
        "first_sha": Subquery(first_images(outer).values("sha256")[:1]),
        **{f"first_file_{size}": thumbnail_file(nested_first_pk, size=size) for size in sizes},
    }


def preview(
    image_id: int | None, sha256: str | None, name: str | None, *, size: int, alt: str = "", box: int = 80
) -> str:
    """An <img> of a thumbnail whose row exists (`name`), at its protected URL, fitting a square of side `box`
    (one of PREVIEW_BOXES: a stylesheet class, as the CSP refuses inline styles); storage is not asked."""
    if box not in PREVIEW_BOXES:
        raise ValueError(f"preview box {box} is not one of {PREVIEW_BOXES}")
    if not (image_id and sha256 and name):
        return "—"
    url = thumbnail_url(Image(pk=image_id, sha256=sha256), Thumbnail(size=size, file=name))
    return format_html(
        '<img src="{}" alt="{}" loading="lazy" class="ph-preview ph-preview-{}">', url, alt, box
    )


def first_preview(obj, *, size: int, alt: str, box: int) -> str:
    """The preview of an album's or article's first photo, from `first_image_annotations`."""
    return preview(
        getattr(obj, "first_id", None),
        getattr(obj, "first_sha", None),
        getattr(obj, f"first_file_{size}", None),
        size=size,
        alt=alt,
        box=box,
    )


def intermediate_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    title: str,
    question: str,
    form: forms.Form | None = None,
) -> TemplateResponse:
    """The confirmation (and parameters) page of a bulk action; posting it back runs the action."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "objects": queryset,
        "form": form,
        "action": request.POST.get("action", ""),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/gallery/confirm_action.html", context)


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "yes"


# --- Albums ------------------------------------------------------------------------------------------------


class PhotoPositionForm(forms.ModelForm):
    """A photo's position shown and typed from 1, as the gallery numbers photos (stored from 0)."""

    position = forms.IntegerField(label=_("position"), min_value=1)

    class Meta:
        model = Image
        fields = ["position"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["position"] = self.instance.position + 1

    def clean_position(self) -> int:
        return self.cleaned_data["position"] - 1


class PhotoFactsDisplay:
    """The display columns every list of photos shares: preview, dimensions, size and a short hash.

    The preview reads the `preview_file` annotation (`thumbnail_file`), so no storage is asked."""

    @admin.display(description=_("preview"))
    def preview_cell(self, image: Image) -> str:
        return preview(
            image.pk,
            image.sha256,
            getattr(image, "preview_file", None),
            size=LIST_PREVIEW_SIZE,
            alt=image.original_name,
        )

    @admin.display(description=_("position"), ordering="position")
    def number(self, image: Image) -> int:
        """The position from 1, as the gallery shows it."""
        return image.position + 1

    @admin.display(description=_("dimensions"))
    def dimensions(self, image: Image) -> str:
        return f"{image.width}×{image.height}"

    @admin.display(description=_("size"), ordering="bytes")
    def size(self, image: Image) -> str:
        return filesizeformat(image.bytes)

    @admin.display(description="sha256")
    def sha_short(self, image: Image) -> str:
        return image.sha256[:12]
