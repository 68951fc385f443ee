"""Recompute the comparison keys of albums and articles now that `name_key` reads "ё" as "е".

Only keys holding "ё" change. A key that would collide with an existing one (e.g. albums "Ёлка" and "Елка")
is left as it was and reported, so the migration never fails on data; rename one of the two to merge them.
"""

from django.db import migrations

from gallery.models import name_key


def fold(apps, schema_editor):
    Album = apps.get_model("gallery", "Album")
    Article = apps.get_model("gallery", "Article")
    for album in Album.objects.filter(name_key__contains="ё"):
        key = name_key(album.name)
        if Album.objects.filter(name_key=key).exists():
            print(f"\n  album {album.pk} “{album.name}”: key {key!r} is taken, left as it was")
            continue
        Album.objects.filter(pk=album.pk).update(name_key=key)
    for article in Article.objects.filter(sku_key__contains="ё"):
        key = name_key(article.sku)
        if Article.objects.filter(album_id=article.album_id, sku_key=key).exists():
            print(f"\n  article {article.pk} “{article.sku}”: key {key!r} is taken in its album, left as it was")
            continue
        Article.objects.filter(pk=article.pk).update(sku_key=key)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0004_verbose_names")]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop, elidable=True)]
