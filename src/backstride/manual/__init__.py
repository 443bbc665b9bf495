"""The Back Pain Relief Manual: a 23-page PDF generated from the Markdown in ``content/``.

Pure Python (WeasyPrint), no Django. The newsletter app sends it as the welcome
bonus; see ``docs/manual.md``.
"""

from backstride.manual.build import (
    EXPECTED_PAGES,
    MANUAL_VERSION,
    cached_manual_pdf,
    content_version,
    render_manual_pdf,
)

__all__ = [
    "EXPECTED_PAGES",
    "MANUAL_VERSION",
    "cached_manual_pdf",
    "content_version",
    "render_manual_pdf",
]
