from django.urls import path, re_path

from gallery import views
from gallery.links import FILES_PATH

app_name = "gallery"

_FILE = rf"^{FILES_PATH}(?P<image_id>[0-9]{{1,18}})/(?P<sha>[0-9a-f]{{16}})"

urlpatterns = [
    path("", views.albums, name="albums"),
    path("search/", views.search, name="search"),
    path("selection/zip", views.selection_zip, name="selection_zip"),
    path("selection/export", views.selection_export, name="selection_export"),
    path("selection/move", views.selection_move, name="selection_move"),
    path("selection/delete", views.selection_delete, name="selection_delete"),
    path("a/<slug:album_slug>/zip", views.album_zip, name="album_zip"),
    path("a/<slug:album_slug>/<slug:article_slug>/zip", views.article_zip, name="article_zip"),
    path("a/<slug:album_slug>/", views.album, name="album"),
    path("a/<slug:album_slug>/links", views.album_links, name="album_links"),
    path("a/<slug:album_slug>/<slug:article_slug>/", views.article, name="article"),
    re_path(rf"{_FILE}\.(?P<ext>[a-z0-9]{{2,5}})$", views.original_file, name="file_original"),
    re_path(rf"{_FILE}/download$", views.original_download, name="file_download"),
    re_path(
        rf"{_FILE}-(?P<size>[0-9]{{1,5}})\.(?P<ext>[a-z0-9]{{2,5}})$",
        views.thumbnail_file,
        name="file_thumbnail",
    ),
]
