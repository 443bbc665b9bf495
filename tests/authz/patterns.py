"""Every page of the site and every operation of the API, read from the URL configuration
and the OpenAPI schema, so a new one appears in the matrix the day it is added."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

#: Mounted apps that are not ours to rule on: Django's admin (staff only, its own checks),
#: the JSON API (checked operation by operation below), the email provider's webhooks.
OUTSIDE = ("admin/", "api/", "newsletter/anymail/")


@dataclass(frozen=True)
class Page:
    key: str  # "namespace:name"
    route: str  # "activities/<int:pk>/"
    args: tuple[str, ...]


def pages() -> list[Page]:
    found: list[Page] = []

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(OUTSIDE):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, p.namespace or namespace)
            elif isinstance(p, URLPattern):
                name = p.name or route
                key = f"{namespace}:{name}" if namespace else name
                args = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
                found.append(Page(key, route, args))

    walk(get_resolver().url_patterns, "", "")
    return found


def url(page: Page, values: dict[str, object]) -> str:
    """The page's path with these argument values."""
    return reverse(page.key, kwargs=values) if values else reverse(page.key)


def operations(schema: dict) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every API operation."""
    return [(m.upper(), path) for path, item in schema["paths"].items() for m in item]
