"""Activity files (GPX, TCX, FIT, archives of them): parsing into one stream model, statistics.

Pure Python + numpy + lxml; no Django. See :mod:`.model` for the data shapes.
"""

from .api import MAX_FILE_BYTES, file_stats, gunzip, parse_bytes, parse_file, sniff_format
from .export import FileExport
from .model import ALGORITHM_VERSION, Activity, Lap, ParseError, Split, Summary, TooLarge
from .render import iter_gpx, route_polyline, to_gpx
from .stats import combine, summarise

__all__ = [
    "ALGORITHM_VERSION",
    "MAX_FILE_BYTES",
    "Activity",
    "FileExport",
    "Lap",
    "ParseError",
    "Split",
    "Summary",
    "TooLarge",
    "combine",
    "file_stats",
    "gunzip",
    "iter_gpx",
    "parse_bytes",
    "parse_file",
    "route_polyline",
    "sniff_format",
    "summarise",
    "to_gpx",
]
