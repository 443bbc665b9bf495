"""Admin: a fallback for operators; editors use the editor pages at /editor/."""

from django.contrib import admin

from .models import Article, Episode, PodcastShow, RelatedArticle, Tag


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("title", "status", "published_at", "author")
    list_filter = ("status", "tags")
    search_fields = ("title", "summary", "body")
    readonly_fields = ("side_effects_done_at",)


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin[Episode]):
    list_display = ("title", "season", "number", "status", "published_at")
    list_filter = ("status", "season", "episode_type")
    search_fields = ("title", "summary", "show_notes")
    readonly_fields = (
        "guid",
        "audio",
        "audio_size",
        "audio_mime",
        "duration_seconds",
        "side_effects_done_at",
    )


@admin.register(PodcastShow)
class PodcastShowAdmin(admin.ModelAdmin[PodcastShow]):
    readonly_fields = ("podcast_guid", "guid_source_url")


admin.site.register(Tag)
admin.site.register(RelatedArticle)
