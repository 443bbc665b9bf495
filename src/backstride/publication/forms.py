"""Editor forms: every bad input gets a message that says what to do instead."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify

from backstride.accounts.models import User
from backstride.core.publication.audio import AudioInfo, NotAudioError
from backstride.core.publication.markdown import unsafe_constructs
from backstride.core.publication.podcast import validate_chapters
from backstride.core.publication.text import find_forbidden_character

from . import services
from .models import Article, Episode, Status, Tag

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class NoControlCharacters:
    """Refuse invisible control characters (``\\x0b`` pasted in a title, say): feeds and
    podcast apps cannot carry them. Tabs and line breaks are fine in ``multiline`` text."""

    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        found = find_forbidden_character(str(value), multiline=self.multiline)
        if found is None:
            return
        if found.character in "\t\n\r":
            raise ValidationError(
                f"This is a one-line field, so it cannot contain {found.description} (at "
                f"character {found.position}). Replace it with a space.",
                code="control_character",
            )
        raise ValidationError(
            f"This contains {found.description} at character {found.position}: an invisible "
            "control character, usually pasted in from another program, that feeds and "
            "podcast apps cannot carry. Delete it (retyping the words around it is easiest) "
            "and save again.",
            code="control_character",
        )


def refuse_control_characters(form: forms.BaseForm) -> None:
    """Give every text field of ``form`` the :class:`NoControlCharacters` check (in place of
    Django's narrower null-character check); textareas allow tabs and line breaks."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField):
            multiline = isinstance(field.widget, forms.Textarea)
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ] + [NoControlCharacters(multiline=multiline)]


def editors() -> Any:
    return User.objects.filter(
        Q(role__in=[User.Role.EDITOR, User.Role.ADMIN]) | Q(is_superuser=True)
    ).order_by("display_name", "email")


class EditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name or obj.email)


class PublishableForm(forms.ModelForm):
    """Shared rules: slug from the title, clash messages, the status/time pair."""

    kind = "item"
    url_prefix = "/"

    author = EditorChoiceField(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = editors()  # type: ignore[attr-defined]
        self.fields["slug"].required = False
        self.fields[
            "slug"
        ].help_text = (
            f"The address: {self.url_prefix}<slug>/. Leave empty to make one from the title."
        )
        zone = timezone.get_current_timezone_name()
        self.fields["published_at"].label = "Publish time"
        self.fields["published_at"].help_text = (
            f"Your time zone ({zone}). For Scheduled, a future time; empty means next Sunday "
            "07:00 in the site's time zone. For Published, empty means now."
        )
        self.fields["published_at"].widget = DateTimeLocalInput()
        if not self.instance.pk and not self.initial.get("published_at"):
            self.initial["published_at"] = timezone.localtime(services.default_publish_time())
        refuse_control_characters(self)

    def clean_slug(self) -> str:
        slug = slugify(self.cleaned_data.get("slug") or self.data.get("title") or "")[:200]
        if not slug:
            raise ValidationError("Give the piece a title or a slug made of letters and numbers.")
        model = self._meta.model
        clash = model.objects.filter(slug=slug).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise ValidationError(
                f"Another {self.kind} (“{clash}”) already uses the address "
                f"{self.url_prefix}{slug}/. Choose a different slug."
            )
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        when = data.get("published_at")
        now = timezone.now()
        if status == Status.SCHEDULED:
            if when is None:
                data["published_at"] = services.default_publish_time(now)
            elif when <= now:
                self.add_error(
                    "published_at",
                    "This time has already passed. Pick a future time to schedule it, "
                    "or choose “Published” to publish it now.",
                )
        elif status == Status.PUBLISHED:
            if when is None:
                data["published_at"] = now
            elif when > now:
                self.add_error(
                    "published_at",
                    "A published piece cannot have a future time. Choose “Scheduled” to "
                    "publish it then, or clear the time to publish now.",
                )
        return data

    def _check_markdown(self, field: str) -> str:
        text = str(self.cleaned_data.get(field) or "")
        problems = unsafe_constructs(text)
        if problems:
            raise ValidationError(
                "This text contains HTML that is removed for safety: "
                + "; ".join(problems)
                + ". Please take it out (plain Markdown, links and images are fine)."
            )
        return text


class ArticleForm(PublishableForm):
    kind = "article"
    url_prefix = "/articles/"

    tags_text = forms.CharField(
        label="Tags",
        required=False,
        help_text="Separated by commas, e.g. core stability, running.",
        max_length=400,
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "body",
            "hero_image",
            "hero_alt",
            "tags_text",
            "author",
            "status",
            "published_at",
            "pinned_related",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 24}),
            "pinned_related": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags_text"] = ", ".join(t.name for t in self.instance.tags.all())
            self.fields["pinned_related"].queryset = Article.objects.exclude(  # type: ignore[attr-defined]
                pk=self.instance.pk
            )
        self.fields["pinned_related"].required = False
        self.fields["pinned_related"].label = "Pinned related articles"
        self.fields["hero_image"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def clean_body(self) -> str:
        return self._check_markdown("body")

    def clean_hero_image(self) -> Any:
        image = self.cleaned_data.get("hero_image")
        if image and getattr(image, "size", 0) > services.max_image_bytes():
            raise ValidationError(
                f"This image is {filesizeformat(image.size)}; the limit is "
                f"{filesizeformat(services.max_image_bytes())}. Please resize it."
            )
        return image

    def clean_tags_text(self) -> list[str]:
        raw = self.cleaned_data.get("tags_text") or ""
        names: list[str] = []
        for part in raw.split(","):
            name = " ".join(part.split()).lower()[:60]
            if name and name not in names and slugify(name):
                names.append(name)
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_image = bool(data.get("hero_image")) or (
            data.get("hero_image") is None and bool(self.instance.hero_image)
        )
        if has_image and not (data.get("hero_alt") or "").strip():
            self.add_error(
                "hero_alt",
                "Describe the hero image for people who cannot see it (alt text is required "
                "whenever there is an image).",
            )
        return data

    def save_tags(self, article: Article) -> None:
        tags = []
        for name in self.cleaned_data["tags_text"]:
            slug = slugify(name)[:60]
            tag = Tag.objects.filter(slug=slug).first() or Tag.objects.create(name=name, slug=slug)
            tags.append(tag)
        article.tags.set(tags)


class EpisodeForm(PublishableForm):
    kind = "episode"
    url_prefix = "/podcast/"

    chapters_text = forms.CharField(
        label="Chapters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text='Optional Podcasting 2.0 JSON, e.g. {"version": "1.2.0", "chapters": '
        '[{"startTime": 0, "title": "Welcome"}]}.',
    )
    publish_article_too = forms.BooleanField(
        label="Publish the linked article at the same time",
        required=False,
        initial=True,
        help_text="The article takes this episode's status and time unless it is already live.",
    )

    class Meta:
        model = Episode
        fields = [
            "title",
            "slug",
            "summary",
            "audio",
            "show_notes",
            "number",
            "season",
            "episode_type",
            "explicit",
            "transcript",
            "chapters_text",
            "article",
            "publish_article_too",
            "author",
            "status",
            "published_at",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "show_notes": forms.Textarea(attrs={"rows": 12}),
            "transcript": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audio_info: AudioInfo | None = None
        audio = self.fields["audio"]
        audio.required = not self.instance.pk
        audio.widget = forms.ClearableFileInput(attrs={"accept": "audio/mpeg,audio/mp4,.mp3,.m4a"})
        audio.help_text = (
            f"MP3 or M4A, at most {filesizeformat(services.max_audio_bytes())}. The length is "
            "read from the file."
        )
        self.fields["article"].queryset = Article.objects.order_by(  # type: ignore[attr-defined]
            "-published_at", "title"
        )
        self.fields["article"].label = "In-depth article"
        if self.instance.pk and self.instance.chapters:
            self.initial["chapters_text"] = json.dumps(self.instance.chapters, indent=2)

    def clean_show_notes(self) -> str:
        return self._check_markdown("show_notes")

    def clean_audio(self) -> Any:
        upload = self.cleaned_data.get("audio")
        if not upload or upload is False or not hasattr(upload, "chunks"):
            return upload
        limit = services.max_audio_bytes()
        if upload.size > limit:
            raise ValidationError(
                f"This file is {filesizeformat(upload.size)}; the largest audio file accepted "
                f"is {filesizeformat(limit)}. Export it at a lower bitrate (64–128 kbps is "
                "plenty for speech) and upload again."
            )
        try:
            self.audio_info = services.probe_uploaded_audio(upload)
        except NotAudioError as exc:
            raise ValidationError(
                f"{exc} Upload an MP3 or M4A (AAC) audio file; nothing was saved."
            ) from exc
        return upload

    def clean_chapters_text(self) -> Any:
        raw = (self.cleaned_data.get("chapters_text") or "").strip()
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"Chapters are not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
            ) from exc
        problems = validate_chapters(data)
        if problems:
            raise ValidationError(problems)
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        number, season = data.get("number"), data.get("season")
        if number is not None:
            clash = (
                Episode.objects.filter(number=number, season=season)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if clash is not None:
                where = f"Season {season}" if season else "This show"
                self.add_error("number", f"{where} already has an episode {number} (“{clash}”).")
        return data
