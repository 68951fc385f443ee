"""Articles in the admin, with their photo strip (reorder, remove) and the move to another album."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.audit import Actor
from gallery import moves, services
from gallery.admin.display import (
    LIST_PREVIEW_SIZE,
    PhotoFactsDisplay,
    PhotoPositionForm,
    confirmed,
    first_image_annotations,
    first_preview,
    intermediate_page,
    thumbnail_file,
)
from gallery.admin.trashing import TrashingAdmin
from gallery.models import Album, Article, Image, name_key


class ImageInline(PhotoFactsDisplay, admin.TabularInline):
    """The article's photo strip: previews in order, positions editable, photos removable."""

    model = Image
    form = PhotoPositionForm
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


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["album", "sku"]

    def clean(self) -> dict:
        cleaned = super().clean()
        album, sku = cleaned.get("album"), cleaned.get("sku")
        if album is None or not sku:
            return cleaned
        article = self.instance if self.instance.pk else None
        cleaned["sku"] = services.article_sku_free(sku, album=album, article=article, field="sku")
        return cleaned


class MoveToAlbumForm(forms.Form):
    album = forms.ModelChoiceField(queryset=Album.objects.order_by("name_key"), label=_("Target album"))


@admin.register(Article)
class ArticleAdmin(TrashingAdmin):
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
                # no actor: the change form's own entry (admin_change) records the edit
                current = moves.article_move(article=current, album=form.cleaned_data["album"], actor=None)
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
        actor = Actor(request=request, admin=True)
        for article in queryset.select_related("album"):
            try:
                moves.article_move(article=article, album=target, actor=actor)
            except ValidationError as error:
                messages.error(request, f"{article.sku}: {'; '.join(error.messages)}")
                continue
            moved += 1
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
