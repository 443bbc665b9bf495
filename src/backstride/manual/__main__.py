"""Preview the manual: ``python -m backstride.manual [out.pdf] [--site-name N] [--site-url U]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from backstride.manual.build import EXPECTED_PAGES, content_version, render_document, write_pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backstride.manual", description=__doc__)
    parser.add_argument("out", nargs="?", default="backstride-manual.pdf", type=Path)
    parser.add_argument("--site-name", default="Backstride")
    parser.add_argument("--site-url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    document = render_document(site_name=args.site_name, site_url=args.site_url)
    args.out.write_bytes(write_pdf(document, site_name=args.site_name, site_url=args.site_url))
    pages = len(document.pages)
    print(
        f"{args.out}: {pages} pages (expected {EXPECTED_PAGES}), version {content_version()}, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0 if pages == EXPECTED_PAGES else 1


if __name__ == "__main__":
    sys.exit(main())
