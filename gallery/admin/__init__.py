"""The catalogue in the Django admin: albums, articles with their photo strip, photos (one module each;
shared previews and photo columns in `display`).

Every write goes through `gallery.services` (files follow rows; nothing is left half-moved) and every change
reaches the action log (`AuditedModelAdmin`, `core.audit`). List pages show previews from Thumbnail rows
fetched in the same query: they never ask storage anything.
"""

from gallery.admin import albums, articles, images  # noqa: F401  (each registers its ModelAdmin)
