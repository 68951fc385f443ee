from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def counts_fill(apps, schema_editor):
    """Count the photos of every existing article (what gallery.services.article_counts_refresh keeps)."""
    Article = apps.get_model("gallery", "Article")
    Image = apps.get_model("gallery", "Image")
    counted = (
        Image.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("pk")).values("n")
    )
    Article.objects.update(images_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("gallery", "0002_article_sku_key_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="images_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(counts_fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("images_count", 0)), fields=["album", "sku_key"], name="article_without_photos"
            ),
        ),
    ]
