from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from . import editor, views
from .sitemaps import SITEMAPS

app_name = "publication"

urlpatterns = [
    path("articles/", views.article_list, name="article_list"),
    path("articles/feed.xml", views.article_feed, name="article_feed"),
    path("articles/tag/<slug:tag>/", views.article_list, name="article_tag"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    re_path(
        r"^articles/images/(?P<name>[0-9a-f]{32}\.(?:jpg|png|webp|gif))$",
        views.media,
        name="media",
    ),
    path("podcast/", views.podcast_list, name="podcast_list"),
    path("podcast/feed.xml", views.podcast_feed, name="podcast_feed"),
    re_path(
        r"^podcast/audio/(?P<name>[0-9a-f]{32}\.(?:mp3|m4a))$",
        views.episode_audio,
        name="episode_audio",
    ),
    path("podcast/<slug:slug>/", views.episode_detail, name="episode_detail"),
    path(
        "podcast/<slug:slug>/transcript.<str:ext>",
        views.episode_transcript,
        name="episode_transcript",
    ),
    path("podcast/<slug:slug>/chapters.json", views.episode_chapters, name="episode_chapters"),
    path("editor/", editor.editor_home, name="editor_home"),
    path("editor/articles/new/", editor.article_edit, name="editor_article_new"),
    path("editor/articles/<int:pk>/", editor.article_edit, name="editor_article_edit"),
    path("editor/episodes/new/", editor.episode_edit, name="editor_episode_new"),
    path("editor/episodes/<int:pk>/", editor.episode_edit, name="editor_episode_edit"),
    path("editor/preview/", editor.editor_preview, name="editor_preview"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
