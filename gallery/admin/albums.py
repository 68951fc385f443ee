"""Albums in the admin: counters, cover, public links and their token."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.audit import Actor
from gallery import services
from gallery.admin.display import (
    LIST_PREVIEW_SIZE,
    PAGE_PREVIEW_SIZE,
    confirmed,
    first_image_annotations,
    first_preview,
    intermediate_page,
)
from gallery.admin.trashing import TrashingAdmin
from gallery.models import Album, Image


class AlbumAdminForm(forms.ModelForm):
    class Meta:
        model = Album
        fields = ["name", "description", "public_links_enabled"]

    def clean_name(self) -> str:
        album = self.instance if self.instance.pk else None
        try:
            return services.album_name_free(self.cleaned_data.get("name", ""), album=album, field="name")
        except ValidationError as exc:  # keyed by field: a field's own clean method must raise it bare
            raise ValidationError(exc.messages) from exc


@admin.register(Album)
class AlbumAdmin(TrashingAdmin):
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
    readonly_fields = [  # every field shown but the form's
        name
        for _title, options in fieldsets
        for name in options["fields"]
        if name not in AlbumAdminForm.Meta.fields
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
            if form.cleaned_data.get("public_links_enabled"):  # recorded by the form's entry (admin_add)
                services.album_public_links_set(album=obj, enabled=True, actor=None)
            return
        if "name" in form.changed_data:
            services.album_rename(album=obj, name=form.cleaned_data["name"])
        if "public_links_enabled" in form.changed_data:  # recorded by the form's entry (admin_change)
            services.album_public_links_set(
                album=obj, enabled=form.cleaned_data["public_links_enabled"], actor=None
            )
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
            services.album_link_token_regenerate(album=album, actor=Actor(request=request, admin=True))

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
            services.album_public_links_set(
                album=album, enabled=enabled, actor=Actor(request=request, admin=True)
            )

    @admin.action(description=_("Turn public links on"))
    def public_links_on(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch_public_links(request, queryset, True)

    @admin.action(description=_("Turn public links off"))
    def public_links_off(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch_public_links(request, queryset, False)


# --- Articles ----------------------------------------------------------------------------------------------
