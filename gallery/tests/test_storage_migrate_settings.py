import pytest
from django.core.management import CommandError, call_command


def test_without_a_bucket_the_migration_says_so_and_copies_nothing(settings):
    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="S3_BUCKET is not set"):
        call_command("storage_migrate", "--to", "s3")


def test_only_s3_is_a_migration_target():
    with pytest.raises(CommandError, match="invalid choice: 'filesystem'"):
        call_command("storage_migrate", "--to", "filesystem")
