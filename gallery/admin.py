from django.contrib import admin

from gallery.models import Album, Article, Image


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "articles_count", "images_count", "bytes_total", "last_upload_at"]
    search_fields = ["name", "slug"]
    readonly_fields = [
        "slug",
        "articles_count",
        "images_count",
        "bytes_total",
        "last_upload_at",
        "created_at",
    ]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["sku", "album", "slug", "created_at"]
    list_filter = ["album"]
    search_fields = ["sku", "slug"]
    list_select_related = ["album"]
    readonly_fields = ["slug", "created_at"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["original_name", "article", "album", "position", "format", "width", "height", "bytes"]
    list_filter = ["format", "album", "created_at"]
    search_fields = ["article__sku", "original_name", "sha256"]
    list_select_related = ["article", "album"]
    readonly_fields = ["sha256", "bytes", "width", "height", "format", "file", "created_at", "uploaded_by"]
    raw_id_fields = ["article"]
