"""The catalogue in the Django admin: albums, articles with their photo strip, photos.

Every write goes through `gallery.services` (files follow rows; nothing is left half-moved) and every change
reaches the action log (`AuditedModelAdmin`, `core.audit`). List pages show previews from Thumbnail rows
fetched in the same query: they never ask storage anything.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import AuditedModelAdmin
from core.audit import audit
from gallery import services
from gallery.links import original_url, thumbnail_url
from gallery.models import Album, Article, Image, Thumbnail, name_key
from gallery.specs import THUMBNAIL_SIZES
from gallery.tasks import images_thumbnails_regenerate

LIST_PREVIEW_SIZE = THUMBNAIL_SIZES[0]
PAGE_PREVIEW_SIZE = THUMBNAIL_SIZES[1]
SHA_SEARCH_MIN = 6
HEX_DIGITS = frozenset("0123456789abcdef")


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
    """An <img> of a thumbnail whose row exists (`name`), at its protected URL; storage is not asked."""
    if not (image_id and sha256 and name):
        return "—"
    url = thumbnail_url(Image(pk=image_id, sha256=sha256), Thumbnail(size=size, file=name))
    return format_html(
        '<img src="{}" alt="{}" loading="lazy" style="max-width:{}px;max-height:{}px;display:block">',
        url,
        alt,
        box,
        box,
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


class AlbumAdminForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["name", "description", "public_links_enabled"]

    def clean_name(self) -> str:
        try:
            name = services.album_name_clean(self.cleaned_data.get("name", ""), field="name")
        except ValidationError as exc:  # keyed by field: a field's own clean method must raise it bare
            raise ValidationError(exc.messages) from exc
        if Album.objects.filter(name_key=name_key(name)).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("An album with this name already exists (names ignore case)."))
        return name


@admin.register(Album)
class AlbumAdmin(AuditedModelAdmin):
    form = AlbumAdminForm
    list_display = [
        "cover",
        "name",
        "slug",
        "articles_count",
        "images_count",
        "size",
        "last_upload_at",
        "public_links_enabled",
    ]
    list_display_links = ["cover", "name"]
    list_filter = ["public_links_enabled"]
    search_fields = ["name", "slug"]
    readonly_fields = [
        "cover_large",
        "slug",
        "articles_count",
        "images_count",
        "size",
        "last_upload_at",
        "created_at",
        "created_by",
        "link_token_hint",
    ]
    fieldsets = [
        (None, {"fields": ["cover_large", "name", "slug", "description"]}),
        (_("Public links"), {"fields": ["public_links_enabled", "link_token_hint"]}),
        (
            _("Figures"),
            {
                "fields": [
                    "articles_count",
                    "images_count",
                    "size",
                    "last_upload_at",
                    "created_at",
                    "created_by",
                ]
            },
        ),
    ]
    actions = ["regenerate_link_tokens", "public_links_on", "public_links_off"]
    change_form_template = "admin/gallery/album/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        def first_images(album: OuterRef) -> QuerySet:
            return Image.objects.filter(album_id=album).order_by("article_id", "position", "id")

        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(**first_image_annotations(first_images, sizes=(LIST_PREVIEW_SIZE, PAGE_PREVIEW_SIZE)))
        )

    @admin.display(description=_("cover"))
    def cover(self, album: Album) -> str:
        return first_preview(album, size=LIST_PREVIEW_SIZE, alt=album.name, box=60)

    @admin.display(description=_("cover"))
    def cover_large(self, album: Album) -> str:
        return first_preview(album, size=PAGE_PREVIEW_SIZE, alt=album.name, box=320)

    @admin.display(description=_("size"), ordering="bytes_total")
    def size(self, album: Album) -> str:
        return filesizeformat(album.bytes_total)

    @admin.display(description=_("link token"))
    def link_token_hint(self, album: Album) -> str:
        if not album.pk:
            return "—"
        return f"{album.link_token[:4]}…{album.link_token[-4:]}"

    def save_model(self, request: HttpRequest, obj: Album, form: forms.Form, change: bool) -> None:
        if not change:
            created = services.album_create(name=obj.name, description=obj.description, user=request.user)
            obj.pk = created.pk
            obj.refresh_from_db()
            obj._state.adding = False
            if form.cleaned_data.get("public_links_enabled"):
                services.album_public_links_set(album=obj, enabled=True)
            return
        if "name" in form.changed_data:
            services.album_rename(album=obj, name=form.cleaned_data["name"])
        if "public_links_enabled" in form.changed_data:
            services.album_public_links_set(album=obj, enabled=form.cleaned_data["public_links_enabled"])
        if "description" in form.changed_data:
            obj.save(update_fields=["description", "updated_at"])

    def delete_model(self, request: HttpRequest, obj: Album) -> None:
        services.album_delete(album=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for album in queryset:
            services.album_delete(album=album)

    def get_urls(self):
        return [
            path(
                "<int:album_id>/regenerate-link-token/",
                self.admin_site.admin_view(self.regenerate_link_token_view),
                name="gallery_album_regenerate_link_token",
            ),
            *super().get_urls(),
        ]

    def _regenerate(self, request: HttpRequest, albums) -> None:
        for album in albums:
            services.album_link_token_regenerate(album=album)
            audit(request=request, action="admin_regenerate_link_token", obj=album)

    def regenerate_link_token_view(self, request: HttpRequest, album_id: int) -> HttpResponse:
        album = get_object_or_404(Album, pk=album_id)
        if not self.has_change_permission(request, album):
            raise PermissionDenied
        if request.method == "POST" and confirmed(request):
            self._regenerate(request, [album])
            messages.success(
                request, _("New link token for “%s”: its old public links no longer work.") % album
            )
            return HttpResponseRedirect(reverse("admin:gallery_album_change", args=[album.pk]))
        return intermediate_page(
            self,
            request,
            Album.objects.filter(pk=album.pk),
            title=_("Regenerate the link token?"),
            question=_(
                "Every public link of these albums stops working at once, including links already sent "
                "to marketplaces. New links must be exported again."
            ),
        )

    @admin.action(description=_("Regenerate link token (revokes all public links)"))
    def regenerate_link_tokens(self, request: HttpRequest, queryset: QuerySet):
        if not confirmed(request):
            return intermediate_page(
                self,
                request,
                queryset,
                title=_("Regenerate the link tokens?"),
                question=_(
                    "Every public link of these albums stops working at once, including links already sent "
                    "to marketplaces. New links must be exported again."
                ),
            )
        albums = list(queryset)
        self._regenerate(request, albums)
        messages.success(
            request,
            ngettext("%d album has a new link token.", "%d albums have new link tokens.", len(albums))
            % len(albums),
        )
        return None

    def _switch_public_links(self, request: HttpRequest, queryset: QuerySet, enabled: bool) -> None:
        for album in queryset:
            if album.public_links_enabled != enabled:
                services.album_public_links_set(album=album, enabled=enabled)
                audit(request=request, action="admin_public_links", obj=album, details={"enabled": enabled})

    @admin.action(description=_("Turn public links on"))
    def public_links_on(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch_public_links(request, queryset, True)

    @admin.action(description=_("Turn public links off"))
    def public_links_off(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch_public_links(request, queryset, False)


# --- Articles ----------------------------------------------------------------------------------------------


class ImageInline(admin.TabularInline):
    """The article's photo strip: previews in order, positions editable, photos removable."""

    model = Image
    fields = ["preview_cell", "position", "original_name", "format", "dimensions", "size", "sha_short"]
    readonly_fields = ["preview_cell", "original_name", "format", "dimensions", "size", "sha_short"]
    ordering = ["position", "id"]
    extra = 0
    show_change_link = True
    classes = ["photo-strip"]

    class Media:
        js = ["gallery/admin/photo_strip.js"]  # drag rows to reorder; positions follow

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(preview_file=thumbnail_file(OuterRef("pk")))

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # photos arrive through uploads

    @admin.display(description=_("preview"))
    def preview_cell(self, image: Image) -> str:
        return preview(
            image.pk,
            image.sha256,
            getattr(image, "preview_file", None),
            size=LIST_PREVIEW_SIZE,
            alt=image.original_name,
        )

    @admin.display(description=_("dimensions"))
    def dimensions(self, image: Image) -> str:
        return f"{image.width}×{image.height}"

    @admin.display(description=_("size"))
    def size(self, image: Image) -> str:
        return filesizeformat(image.bytes)

    @admin.display(description="sha256")
    def sha_short(self, image: Image) -> str:
        return image.sha256[:12]


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["album", "sku"]

    def clean(self) -> dict:
        cleaned = super().clean()
        album, sku = cleaned.get("album"), cleaned.get("sku")
        if album is None or not sku:
            return cleaned
        try:
            sku = services.name_clean(sku, field="sku")
        except ValidationError as error:
            raise ValidationError({"sku": error.message_dict["sku"]}) from error
        cleaned["sku"] = sku
        if Article.objects.filter(album=album, sku_key=name_key(sku)).exclude(pk=self.instance.pk).exists():
            raise ValidationError({"sku": _("This album already has an article with this SKU.")})
        return cleaned


class MoveToAlbumForm(forms.Form):
    album = forms.ModelChoiceField(queryset=Album.objects.order_by("name_key"), label=_("Target album"))


@admin.register(Article)
class ArticleAdmin(AuditedModelAdmin):
    form = ArticleAdminForm
    list_display = ["first_photo", "sku", "album", "photos", "created_at"]
    list_display_links = ["first_photo", "sku"]
    list_filter = ["album"]
    list_select_related = ["album"]
    search_fields = ["sku"]
    readonly_fields = ["slug", "created_at"]
    fields = ["album", "sku", "slug", "created_at"]
    inlines = [ImageInline]
    actions = ["move_to_album"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        def first_images(article: OuterRef) -> QuerySet:
            return Image.objects.filter(article_id=article).order_by("position", "id")

        return super().get_queryset(request).annotate(**first_image_annotations(first_images))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(sku_key__contains=name_key(term)), False

    @admin.display(description=_("photo"))
    def first_photo(self, article: Article) -> str:
        return first_preview(article, size=LIST_PREVIEW_SIZE, alt=article.sku, box=60)

    @admin.display(description=_("photos"), ordering="images_count")
    def photos(self, article: Article) -> int:
        return article.images_count

    def save_model(self, request: HttpRequest, obj: Article, form: forms.Form, change: bool) -> None:
        if not change:
            article, _created = services.article_get_or_create(album=obj.album, sku=obj.sku)
            obj.pk, obj.slug, obj.sku_key, obj.created_at = (
                article.pk,
                article.slug,
                article.sku_key,
                article.created_at,
            )
            obj._state.adding = False
            return
        current = Article.objects.get(pk=obj.pk)
        if "sku" in form.changed_data:
            current = services.article_rename(article=current, sku=form.cleaned_data["sku"])
        if "album" in form.changed_data:
            try:
                current = services.article_move(article=current, album=form.cleaned_data["album"])
            except ValidationError as error:  # a busy album; the SKU clash is caught by the form already
                messages.error(request, "; ".join(error.messages))
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: forms.Form, formset, change: bool) -> None:
        if formset.model is not Image:
            return super().save_formset(request, form, formset, change)
        deleted = [inline.instance for inline in formset.deleted_forms if inline.instance.pk]
        kept = [
            inline for inline in formset.forms if inline not in formset.deleted_forms and inline.instance.pk
        ]
        if deleted:
            services.images_delete(images=deleted)
        changed = [inline for inline in kept if inline.has_changed()]
        if changed:
            ordered = sorted(
                kept,
                key=lambda inline: (
                    inline.cleaned_data.get("position", inline.instance.position),
                    inline.initial.get("position", 0),
                    inline.instance.pk,
                ),
            )
            services.article_images_reorder(
                article=form.instance, image_ids=[inline.instance.pk for inline in ordered]
            )
        formset.new_objects = []
        formset.changed_objects = [(inline.instance, inline.changed_data) for inline in changed]
        formset.deleted_objects = deleted

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.article_delete(article=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for article in queryset:
            services.article_delete(article=article)

    @admin.action(description=_("Move to another album (files follow)"))
    def move_to_album(self, request: HttpRequest, queryset: QuerySet):
        form = MoveToAlbumForm(request.POST if confirmed(request) else None)
        if not form.is_valid():
            return intermediate_page(
                self,
                request,
                queryset,
                title=_("Move articles to another album"),
                question=_("The articles keep their photos and order; their files move with them."),
                form=form,
            )
        target = form.cleaned_data["album"]
        moved = 0
        for article in queryset.select_related("album"):
            source = article.album.name
            try:
                services.article_move(article=article, album=target)
            except ValidationError as error:
                messages.error(request, f"{article.sku}: {'; '.join(error.messages)}")
                continue
            moved += 1
            audit(
                request=request,
                action="admin_move_article",
                obj=article,
                details={"from_album": source, "to_album": target.name},
            )
        if moved:
            messages.success(
                request,
                ngettext(
                    "%(count)d article moved to “%(album)s”.",
                    "%(count)d articles moved to “%(album)s”.",
                    moved,
                )
                % {"count": moved, "album": target},
            )
        return None


# --- Images ------------------------------------------------------------------------------------------------


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


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["article", "position"]


@admin.register(Image)
class ImageAdmin(AuditedModelAdmin):
    form = ImageAdminForm
    list_display = [
        "preview_cell",
        "original_name",
        "article_sku",
        "album",
        "position",
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
    readonly_fields = [
        "preview_large",
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
    def preview_cell(self, image: Image) -> str:
        return preview(
            image.pk,
            image.sha256,
            getattr(image, "preview_file", None),
            size=LIST_PREVIEW_SIZE,
            alt=image.original_name,
        )

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

    @admin.display(description=_("dimensions"))
    def dimensions(self, image: Image) -> str:
        return f"{image.width}×{image.height}"

    @admin.display(description=_("size"), ordering="bytes")
    def size(self, image: Image) -> str:
        return filesizeformat(image.bytes)

    @admin.display(description="sha256")
    def sha_short(self, image: Image) -> str:
        return image.sha256[:12]

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
                result = services.images_move(images=[current], article=form.cleaned_data["article"])
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
            result = services.images_move(images=queryset, article=target)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return None
        for image in result.moved:
            audit(
                request=request,
                action="admin_move_image",
                obj=image,
                details={"to_article": target.sku, "to_album": target.album.name},
            )
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
        images_thumbnails_regenerate.enqueue([image.pk for image in images])
        for image in images:
            audit(request=request, action="admin_regenerate_thumbnails", obj=image)
        messages.success(
            request,
            ngettext(
                "Thumbnails of %d photo are being regenerated.",
                "Thumbnails of %d photos are being regenerated.",
                len(images),
            )
            % len(images),
        )
