"""The spool moves into the media storage: unfinished jobs' local spool folders are stored under a key."""

import uuid
from pathlib import Path

from django.db import migrations, models


def local_spools_store(apps, schema_editor):
    from gallery import files

    jobs = apps.get_model("uploads", "UploadJob").objects.filter(status__in=["queued", "running"])
    for job in jobs.exclude(spool__startswith="spool/"):
        folder = Path(job.spool)
        if not folder.is_dir():
            continue  # gone already: the job fails with spool_missing, as it would have
        key = f"spool/{uuid.uuid4().hex}/"
        for path in sorted(folder.iterdir()):
            with path.open("rb") as handle:
                files.store(f"{key}{path.name}", handle)
        job.spool = key
        job.save(update_fields=["spool"])


class Migration(migrations.Migration):
    dependencies = [
        ("uploads", "0007_leases_for_syncs_and_tasks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="uploadjob",
            name="spool",
            field=models.CharField(
                help_text="Where the uploaded files wait in the media storage until the job ends (uploads.spool).",
                max_length=500,
                verbose_name="spool key",
            ),
        ),
        migrations.RunPython(local_spools_store, migrations.RunPython.noop),
    ]
