"""Read what an uploaded audio file really is, and how long it lasts (mutagen, no Django)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp3 import MP3 as MutagenMP3
from mutagen.mp4 import MP4 as MutagenMP4

from .podcast import M4A, MP3, AudioKind, sniff_audio

__all__ = ["AudioInfo", "NotAudioError", "probe_audio"]


class NotAudioError(ValueError):
    """The file is not MP3 or M4A audio that a podcast app can play."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    kind: AudioKind
    duration: float  # seconds
    bitrate: int | None = None


def probe_audio(path: Path | str) -> AudioInfo:
    """Sniff the content (never the name), then let mutagen parse the stream and read its length.

    Raises :class:`NotAudioError` with a message fit for a form when the file is not audio.
    """
    with open(path, "rb") as fh:
        head = fh.read(64)
    kind = sniff_audio(head)
    if kind is None:
        raise NotAudioError("This file is not MP3 or M4A audio.")
    try:
        if kind == MP3:
            mp3 = MutagenMP3(path)
            if mp3.info is None:
                raise NotAudioError("This file has no MPEG audio frames.")
            duration, bitrate = float(mp3.info.length), int(mp3.info.bitrate) or None
        else:
            mp4 = MutagenMP4(path)
            if mp4.info is None or not getattr(mp4.info, "codec", "").startswith(
                ("mp4a", "alac", "ac-3", "ec-3")
            ):
                raise NotAudioError("This MP4 file has no audio track a podcast app can play.")
            duration, bitrate = float(mp4.info.length), int(mp4.info.bitrate) or None
    except MutagenError as exc:
        raise NotAudioError("This file looks like audio but could not be read.") from exc
    if not duration or duration <= 0:
        raise NotAudioError("This audio file has no playable length.")
    assert kind in (MP3, M4A)
    return AudioInfo(kind=kind, duration=duration, bitrate=bitrate)
