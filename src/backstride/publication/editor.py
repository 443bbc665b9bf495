"""The editor's pages: the list of articles and episodes, editing each, the preview."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from backstride.accounts.permissions import role_required
from backstride.core.publication.markdown import render_markdown, unsafe_constructs

from . import services
from .forms import ArticleForm, EpisodeForm
from .models import Article, Episode, Status

editor_required = role_required("editor", "admin")


@editor_required
def editor_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/editor/home.html",
        {
            "articles": Article.objects.select_related("author").order_by("-updated_at")[:200],
            "episodes": Episode.objects.select_related("article").order_by("-updated_at")[:200],
            "next_sunday": services.default_publish_time(),
        },
    )


@dataclass
class _Upload:
    """A file an editor form may store while saving, replacing the item's `old_name`."""

    old_name: str | None
    stored: services.StoredFile | None = None

    def saved_as(self, new_name: str | None) -> None:
        """After a successful save: delete the replaced file if nothing uses it any more."""
        if self.old_name and self.old_name != new_name:
            services.remove_if_unreferenced(self.old_name)


@contextmanager
def _replacing_upload(old_name: str | None) -> Iterator[_Upload]:
    """If the save fails, delete the file it stored (when this save created it), then re-raise."""
    upload = _Upload(old_name)
    try:
        yield upload
    except Exception:
        if upload.stored is not None and upload.stored.created:
            services.remove_if_unreferenced(upload.stored.name)
        raise


def _store_hero(form: ArticleForm, article: Article) -> services.StoredFile | None:
    upload = form.cleaned_data.get("hero_image")
    if not upload or not hasattr(upload, "chunks"):
        return None
    ext = (upload.image.format or "png").lower().replace("jpeg", "jpg")  # type: ignore[attr-defined]
    stored = services.store_content_addressed(upload, "publication/images", ext)
    article.hero_image = stored.name  # type: ignore[assignment]
    return stored


@editor_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk) if pk else Article(author=request.user)  # type: ignore[misc]
    old_image = article.hero_image.name if pk else ""
    form = ArticleForm(request.POST or None, request.FILES or None, instance=article)
    if request.method == "POST" and form.is_valid():
        with _replacing_upload(old_image) as upload, transaction.atomic():
            article = form.save(commit=False)
            if form.cleaned_data.get("hero_image") is False:
                article.hero_image = ""  # type: ignore[assignment]
            upload.stored = _store_hero(form, article)
            article.save()
            form.save_m2m()
            form.save_tags(article)
            services.content_changed(article)
            services.schedule_side_effects(article)
        upload.saved_as(article.hero_image.name)
        messages.success(request, _saved_message("Article", article))
        return redirect("publication:editor_article_edit", pk=article.pk)
    return _render_editor_form(request, form, article if pk else None, preview_field="body")


def _render_editor_form(
    request: HttpRequest,
    form: ArticleForm | EpisodeForm,
    item: Article | Episode | None,
    *,
    preview_field: str,
) -> HttpResponse:
    """The editor page of an article or an episode (400 when a POST did not validate)."""
    return render(
        request,
        "publication/editor/item_form.html",
        {
            "form": form,
            "item": item,
            "kind": "article" if isinstance(form, ArticleForm) else "episode",
            "preview_field": preview_field,
            "preview_label": preview_field.replace("_", " "),
        },
        status=400 if request.method == "POST" else 200,
    )


def _saved_message(kind: str, item: Article | Episode) -> str:
    if item.is_live():
        return f"{kind} saved. It is live at {item.get_absolute_url()}."
    if item.status == Status.DRAFT:
        return f"{kind} saved as a draft. Only editors can see it."
    assert item.published_at is not None
    when = timezone.localtime(item.published_at).strftime("%A %d %B %Y at %H:%M %Z")
    return f"{kind} scheduled: it goes live on {when}."


@editor_required
def episode_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    episode = get_object_or_404(Episode, pk=pk) if pk else Episode(author=request.user)  # type: ignore[misc]
    old_audio = episode.audio.name if pk else ""
    form = EpisodeForm(request.POST or None, request.FILES or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        with _replacing_upload(old_audio) as upload, transaction.atomic():
            episode = form.save(commit=False)
            episode.chapters = form.cleaned_data.get("chapters_text")
            audio = form.cleaned_data.get("audio")
            if form.audio_info is not None and audio:
                stored = services.store_content_addressed(
                    audio, "publication/audio", form.audio_info.kind.extension
                )
                upload.stored = stored
                episode.audio = stored.name  # type: ignore[assignment]
                episode.audio_size = stored.size
                episode.audio_sha256 = stored.sha256
                episode.audio_mime = form.audio_info.kind.mime
                episode.duration_seconds = form.audio_info.duration
            episode.save()
            article = episode.article
            if (
                article is not None
                and form.cleaned_data.get("publish_article_too")
                and not article.is_live()
                and episode.status != Status.DRAFT
            ):
                article.status = episode.status
                article.published_at = episode.published_at
                article.save(update_fields=["status", "published_at", "updated_at"])
                services.schedule_side_effects(article)
            services.schedule_side_effects(episode)
        upload.saved_as(episode.audio.name)
        messages.success(request, _saved_message("Episode", episode))
        return redirect("publication:editor_episode_edit", pk=episode.pk)
    return _render_editor_form(request, form, episode if pk else None, preview_field="show_notes")


@editor_required
@require_POST
def editor_preview(request: HttpRequest) -> HttpResponse:
    """htmx: render the Markdown being typed (sanitised), with any safety warnings."""
    source = request.POST.get("body") or request.POST.get("show_notes") or ""
    rendered = render_markdown(source)
    html = render_to_string(
        "publication/editor/_preview.html",
        {"rendered": rendered, "problems": unsafe_constructs(source)},
        request=request,
    )
    return HttpResponse(html)
