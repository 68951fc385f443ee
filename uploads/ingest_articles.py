"""The articles of an ingest run: which article each photo joins, and the article-level writes.

Add mode appends each stored photo to its article and orders the run's photos at the end
(`positions_compact`); replace mode collects an article's photos and switches the article to exactly the
upload's in one transaction (`article_switch`).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop

from gallery.models import Album, Article, Image, Thumbnail, name_key
from gallery.services import (
    article_photos_replace,
    article_positions_compact,
    name_clean,
)
from gallery.trash import articles_purge
from uploads.archive import Entry
from uploads.ingest_results import result_duplicate, result_refused, result_settle
from uploads.layout import Placement
from uploads.models import UploadJob, UploadResult
from uploads.validation import Refused

Outcome = UploadResult.Outcome


@dataclass
class ArticleWork:
    """Progress of one article within a job (replace mode switches it when `remaining` reaches 0).

    `article` is None until the first photo for a new article has passed its content check: an article is
    created only for a photo that is about to be stored, never for refused files.
    """

    key: str  # the SKU's comparison key (`gallery.models.name_key`)
    sku: str
    article: Article | None
    base_position: int
    remaining: int = 0
    stored: list[tuple[tuple, Image, list[Thumbnail], UploadResult]] = field(default_factory=list)
    kept: list[tuple[tuple, int, Entry]] = field(default_factory=list)


def articles_plan(
    *, job: UploadJob, album: Album, photos: list[Entry], placement: dict[int, Placement]
) -> tuple[dict[str, ArticleWork], dict[int, ArticleWork]]:
    """Each photo's article work, by SKU key and by entry index (existing articles are looked up; new ones
    are made later, by the ingest, for the first photo that is stored). Photos whose article name is
    unusable get a refused result and no work."""
    by_name: dict[str, ArticleWork | Refused] = {}
    work_of: dict[int, ArticleWork] = {}
    works: dict[str, ArticleWork] = {}
    for entry in photos:
        sku = placement[entry.index].article
        if sku not in by_name:
            try:
                cleaned = name_clean(sku, field="article")
            except ValidationError as exc:
                by_name[sku] = Refused(
                    "invalid_article",
                    gettext_noop("article “{name}”: {problems}"),
                    name=sku,
                    problems="; ".join(exc.messages),
                )
            else:
                key = name_key(cleaned)
                if key not in works:
                    works[key] = _work_new(album, key, cleaned)
                by_name[sku] = works[key]
        work = by_name[sku]
        if isinstance(work, Refused):
            result_refused(job=job, entry=entry, refused=work)
            continue
        work.remaining += 1
        work_of[entry.index] = work
    return works, work_of


def _work_new(album: Album, key: str, sku: str) -> ArticleWork:
    article = Article.objects.filter(album=album, sku_key=key).first()
    last = None
    if article is not None:
        article.album = album  # pool threads name files from it: no query there
        last = article.images.order_by("-position").values_list("position", flat=True).first()
    return ArticleWork(key, sku, article, base_position=0 if last is None else last + 1)


def article_switch(*, job: UploadJob, work: ArticleWork) -> None:
    """Replace mode: make the article's photos exactly the upload's, in one transaction."""
    if not work.stored and not work.kept:
        return  # nothing usable arrived for it: leave the article as it was
    article = work.article
    with transaction.atomic():  # the replaced photos go to the trash, files and all
        ordered = sorted(
            [(order, (image, thumbnails)) for order, image, thumbnails, _journal in work.stored]
            + [(order, image_id) for order, image_id, _entry in work.kept],
            key=lambda pair: pair[0],
        )
        removed = article_photos_replace(article=article, photos=[photo for _order, photo in ordered])
        for _order, image, _thumbnails, journal in work.stored:
            result_settle(journal, outcome=Outcome.ADDED, image=image)
        for _order, image_id, entry in work.kept:
            result_duplicate(job=job, entry=entry, article=article, image_id=image_id, twin=None, kept=True)
    job.added += len(work.stored)
    job.removed += removed


def positions_compact(*, job: UploadJob, placement: dict[int, Placement]) -> None:
    """Add mode: earlier photos of each article first, then this upload's in layout order, from 0."""
    added = dict(job.results.filter(outcome=Outcome.ADDED).values_list("image_id", "entry_index"))
    by_article: dict[int, list[int]] = defaultdict(list)
    for pk, article_id in Image.objects.filter(pk__in=[pk for pk in added if pk]).values_list(
        "pk", "article_id"
    ):
        by_article[article_id].append(pk)
    for article_id, mine in by_article.items():
        mine.sort(key=lambda pk: (placement[added[pk]].order, added[pk]))
        article_positions_compact(article_id=article_id, last=mine)


def articles_empty_drop(articles: list[Article]) -> None:
    """Remove the given articles (made by this run) whose every photo failed after its content check (rare:
    the decoder refused it), so no upload leaves an empty article behind."""
    articles_purge(articles=[article for article in articles if not article.images.exists()])
