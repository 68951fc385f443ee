"""core.W001: a deployment signing with the key `make run` generated under var/ is warned about."""

from core.checks import shared_secret_key_check

KEY = "k" * 50


def ids(settings, tmp_path, *, generated: str | None, debug=False, domain="photos.example.com") -> list[str]:
    settings.SECRET_KEY, settings.DEBUG, settings.DOMAIN = KEY, debug, domain
    settings.SECRET_KEY_FILE = tmp_path / "secret_key"
    if generated is not None:
        settings.SECRET_KEY_FILE.write_text(generated + "\n")
    return [message.id for message in shared_secret_key_check(None)]


def test_a_deployment_using_the_locally_generated_key_is_warned(settings, tmp_path):
    assert ids(settings, tmp_path, generated=KEY) == ["core.W001"]


def test_a_key_from_the_environment_passes(settings, tmp_path):
    assert ids(settings, tmp_path, generated="another-key-" + "x" * 40) == []
    assert ids(settings, tmp_path, generated=None) == []


def test_the_embedded_run_is_not_warned(settings, tmp_path):
    assert ids(settings, tmp_path, generated=KEY, domain="") == []
    assert ids(settings, tmp_path, generated=KEY, debug=True) == []
