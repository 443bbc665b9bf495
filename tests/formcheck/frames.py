"""Contact pictures for the tests: a small grey JPEG, and a form check's contact frame holding
one, written straight to the table."""

from __future__ import annotations

import io

from PIL import Image

from backstride.formcheck.models import ContactFrame, FormCheck


def jpeg(width: int = 480, height: int = 270) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 100, 110)).save(buf, "JPEG")
    return buf.getvalue()


def add_contact_frame(
    check: FormCheck,
    *,
    index: int,
    frame: int,
    foot: str,
    time_s: float,
    width: int = 480,
    height: int = 270,
    points: list[list[float]] | None = None,
) -> ContactFrame:
    """Contact ``index`` of ``check``: a ``width`` × ``height`` picture of video frame ``frame``
    and, if given, the pose's landmarks on it."""
    return ContactFrame.objects.create(
        form_check=check,
        index=index,
        frame=frame,
        foot=foot,
        time_s=time_s,
        image=jpeg(width, height),
        width=width,
        height=height,
        points=points if points is not None else [],
    )
