"""Benchmark: the warm /podcast/feed.xml of 500 episodes against a minimal Django view.

Both are requested through Django's test Client in the same process, so the ratio measures
what the feed adds over the framework's own request/response cost (middleware included).

    .venv/bin/python bench/feed_bench.py [--episodes 500] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backstride.settings_test")
os.environ.setdefault("BACKSTRIDE_VAR_DIR", tempfile.mkdtemp(prefix="feed-bench-"))
os.environ.setdefault("DATABASE_URL", "")


def main() -> None:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import Client, override_settings
    from django.urls import path
    from django.utils import timezone

    from backstride.publication.models import Episode

    call_command("migrate", verbosity=0)
    Episode.objects.all().delete()
    now = timezone.now()
    rows = []
    for n in range(1, args.episodes + 1):
        ep = Episode(
            title=f"Episode {n}",
            slug=f"bench-episode-{n}",
            summary=f"Summary of episode {n}.",
            show_notes=f"Notes {n}",
            show_notes_html=f"<p>Show notes for <strong>episode {n}</strong>.</p>" * 5,
            number=n,
            season=1,
            status="published",
            published_at=now - timedelta(days=7 * n),
            audio_size=25_000_000,
            audio_sha256="0" * 64,
            duration_seconds=1800 + n,
            transcript="Plain transcript." if n % 2 else "",
        )
        ep.audio.name = f"publication/audio/{n:032x}.mp3"
        rows.append(ep)
    Episode.objects.bulk_create(rows)

    def minimal(request):  # the baseline: Django doing nothing
        return HttpResponse("ok")

    from backstride import urls as root_urls

    urlpatterns = [path("__bench_minimal/", minimal), *root_urls.urlpatterns]
    bench_urls = type(sys)("bench_urls")
    bench_urls.urlpatterns = urlpatterns  # type: ignore[attr-defined]
    sys.modules["bench_urls"] = bench_urls

    with override_settings(ROOT_URLCONF="bench_urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        cold_start = time.perf_counter()
        first = client.get("/podcast/feed.xml")
        cold_ms = (time.perf_counter() - cold_start) * 1000
        assert first.status_code == 200, first.status_code
        assert first.content.count(b"<item>") == args.episodes

        def timed(url: str) -> list[float]:
            for _ in range(10):
                client.get(url)
            out = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                response = client.get(url)
                out.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            return out

        feed = timed("/podcast/feed.xml")
        base = timed("/__bench_minimal/")

    feed_med, base_med = statistics.median(feed), statistics.median(base)
    p95 = sorted(feed)[int(len(feed) * 0.95) - 1]
    print(f"episodes: {args.episodes}, feed size: {len(first.content) / 1024:.0f} KiB")
    print(f"cold feed (render + cache fill): {cold_ms:.1f} ms")
    print(f"warm feed: median {feed_med:.2f} ms, p95 {p95:.2f} ms")
    print(f"minimal Django view: median {base_med:.2f} ms")
    print(f"ratio warm feed / minimal view: {feed_med / base_med:.1f}x")
    print("PASS: warm feed under 100 ms" if p95 < 100 else "FAIL: warm feed over 100 ms")


if __name__ == "__main__":
    main()
