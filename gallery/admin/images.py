"""Photos in the admin: search by SKU, name or hash, moves between articles, thumbnail regeneration."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.audit import Actor
from gallery import moves, services
from gallery.admin.display import (
    HEX_DIGITS,
    PAGE_PREVIEW_SIZE,
    SHA_SEARCH_MIN,
    PhotoFactsDisplay,
    PhotoPositionForm,
    confirmed,
    intermediate_page,
    preview,
    thumbnail_file,
)
from gallery.admin.trashing import TrashingAdmin
from gallery.links import original_url
from gallery.models import Album, Article, Image, name_key
from gallery.tasks import images_thumbnails_regenerate_enqueue


class MoveToArticleForm(forms.Form):
    album = forms.ModelChoiceField(queryset=Album.objects.order_by("name_key"), label=_("Album"))
    sku = forms.CharField(label=_("Article (SKU)"), max_length=200)

    def clean(self) -> dict:
        cleaned = super().clean()
        album, sku = cleaned.get("album"), cleaned.get("sku")
        if album is not None and sku:
            article = Article.objects.filter(album=album, sku_key=name_key(sku.strip())).first()
            if article is None:
                raise ValidationError({"sku": _("There is no article with this SKU in that album.")})
            cleaned["article"] = article
        return cleaned


class ImageAdminForm(PhotoPositionForm):
    class Meta:
        model = Image
        fields = ["article", "position"]


@admin.register(Image)
class ImageAdmin(PhotoFactsDisplay, TrashingAdmin):
    form = ImageAdminForm
    list_display = [
        "preview_cell",
        "original_name",
        "article_sku",
        "album",
        "number",
        "format",
        "dimensions",
        "size",
        "sha_short",
        "uploaded_by",
        "created_at",
    ]
    list_display_links = ["preview_cell", "original_name"]
    list_filter = ["album", "format", "created_at", "uploaded_by"]
    list_select_related = ["article", "album", "uploaded_by"]
    search_fields = ["original_name"]  # SKU, file name or sha256 prefix: see get_search_results
    search_help_text = _("SKU, file name, or the first characters of the sha256")
    raw_id_fields = ["article"]
    fields = [
        "preview_large",
        "article",
        "position",
        "original_name",
        "format",
        "dimensions",
        "size",
        "sha256",
        "original_link",
        "thumbnail_list",
        "uploaded_by",
        "created_at",
    ]
    readonly_fields = [name for name in fields if name not in ImageAdminForm.Meta.fields]
    actions = ["move_to_article", "regenerate_thumbnails"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                preview_file=thumbnail_file(OuterRef("pk")),
                preview_large_file=thumbnail_file(OuterRef("pk"), size=PAGE_PREVIEW_SIZE),
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # photos arrive through uploads, where they are validated and get thumbnails

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(article__sku_key__contains=name_key(term)) | Q(original_name__icontains=term)
        prefix = term.lower()
        if len(prefix) >= SHA_SEARCH_MIN and set(prefix) <= HEX_DIGITS:
            # A range, not LIKE, so the sha256 index serves it under any collation.
            match |= Q(sha256__gte=prefix, sha256__lt=prefix + "g")
        return queryset.filter(match), False

    @admin.display(description=_("preview"))
    def preview_large(self, image: Image) -> str:
        return preview(
            image.pk,
            image.sha256,
            getattr(image, "preview_large_file", None),
            size=PAGE_PREVIEW_SIZE,
            alt=image.original_name,
            box=640,
        )

    @admin.display(description=_("article"), ordering="article__sku_key")
    def article_sku(self, image: Image) -> str:
        return image.article.sku

    @admin.display(description=_("original"))
    def original_link(self, image: Image) -> str:
        return format_html(
            '<a href="{}">{}</a> ({})', original_url(image), image.original_name, image.file.name
        )

    @admin.display(description=_("thumbnails"))
    def thumbnail_list(self, image: Image) -> str:
        rows = image.thumbnails.order_by("size", "format")
        if not rows:
            return "—"
        return format_html_join(
            ", ",
            "{} {} {}×{} ({})",
            ((t.size, t.format, t.width, t.height, filesizeformat(t.bytes)) for t in rows),
        )

    def save_model(self, request: HttpRequest, obj: Image, form: forms.Form, change: bool) -> None:
        current = Image.objects.get(pk=obj.pk)
        if "article" in form.changed_data:
            try:
                # no actor: the change form's own entry (admin_change) records the edit
                result = moves.images_move(images=[current], article=form.cleaned_data["article"], actor=None)
            except ValidationError as error:  # a busy album
                messages.error(request, "; ".join(error.messages))
            else:
                if result.duplicates:
                    messages.warning(request, _("That article already holds this photo; it was not moved."))
        if "position" in form.changed_data:
            article = Article.objects.get(pk=Image.objects.get(pk=obj.pk).article_id)
            order = [
                pk
                for pk in article.images.order_by("position", "id").values_list("pk", flat=True)
                if pk != obj.pk
            ]
            order.insert(min(form.cleaned_data["position"], len(order)), obj.pk)
            services.article_images_reorder(article=article, image_ids=order)
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Image) -> None:
        services.images_delete(images=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        services.images_delete(images=list(queryset))

    @admin.action(description=_("Move to an article (files follow)"))
    def move_to_article(self, request: HttpRequest, queryset: QuerySet):
        form = MoveToArticleForm(request.POST if confirmed(request) else None)
        if not form.is_valid():
            return intermediate_page(
                self,
                request,
                queryset,
                title=_("Move photos to an article"),
                question=_("The photos go after the article's own photos; their files move with them."),
                form=form,
            )
        target = form.cleaned_data["article"]
        try:
            result = moves.images_move(
                images=queryset, article=target, actor=Actor(request=request, admin=True)
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return None
        if result.moved:
            messages.success(
                request,
                ngettext(
                    "%(count)d photo moved to “%(sku)s”.",
                    "%(count)d photos moved to “%(sku)s”.",
                    len(result.moved),
                )
                % {"count": len(result.moved), "sku": target.sku},
            )
        if result.duplicates:
            messages.warning(
                request,
                ngettext(
                    "%d photo was already in that article and stayed where it was.",
                    "%d photos were already in that article and stayed where they were.",
                    len(result.duplicates),
                )
                % len(result.duplicates),
            )
        return None

    @admin.action(description=_("Regenerate thumbnails (in the background)"))
    def regenerate_thumbnails(self, request: HttpRequest, queryset: QuerySet) -> None:
        images = list(queryset)
        images_thumbnails_regenerate_enqueue(images=images, actor=Actor(request=request, admin=True))
        messages.success(
            request,
            ngettext(
                "Thumbnails of %d photo are being regenerated.",
                "Thumbnails of %d photos are being regenerated.",
                len(images),
            )
            % len(images),
        )
