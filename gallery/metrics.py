"""Catalogue figures for `/metrics`, read from the database at each scrape."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from gallery.models import Album, Image


class GalleryCollector:
    """Photos and albums in the catalogue, the same on every web node."""

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("pichosting_photos", "Photos in the catalogue.", value=Image.objects.count())
        yield GaugeMetricFamily("pichosting_albums", "Albums in the catalogue.", value=Album.objects.count())
