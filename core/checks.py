"""System checks of the deployment's own preconditions (run by `manage.py check`, `check --deploy`)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_secret_key_check(app_configs, **kwargs) -> list[Warning]:
    """Warn when a deployment (DEBUG off, DOMAIN set) signs with a key generated locally under `var/`."""
    if settings.DEBUG or not getattr(settings, "DOMAIN", ""):
        return []
    local_key = Path(settings.SECRET_KEY_FILE)
    try:
        generated = local_key.read_text().strip()
    except OSError:
        return []
    if generated != settings.SECRET_KEY:
        return []
    return [
        Warning(
            f"SECRET_KEY is the one generated locally in {local_key}: every node must sign sessions, CSRF "
            "tokens and links with the same key.",
            hint="Set the same SECRET_KEY in every node's environment (e.g. the deployment's .env).",
            id="core.W001",
        )
    ]
