"""FIT files (Garmin's binary activity format) into activities, from the messages
:mod:`.fit_decode` decodes: records become the track, sessions split multi-sport files, laps
and device totals are kept where the track does not say."""

from __future__ import annotations

from typing import Any

import numpy as np

from .build import build_activity, fmt_clock, steps_per_minute, utc_datetime
from .fit_decode import (
    ACTIVITY,
    FILE_ID,
    FILE_TYPES,
    FIT_EPOCH,
    LAP,
    RECORD_FIELDS,
    RELATIVE_LIMIT,
    SEMICIRCLE,
    SESSION,
    SPORT,
    SUB_SPORT_NAMES,
    TIMESTAMP,
    _Decoded,
    decode,
    map_sport,
)
from .model import Activity, Lap, ParseError

# --- Turning decoded messages into activities ----------------------------------------------


def _records(dec: _Decoded) -> dict[str, np.ndarray]:
    n = len(dec.rec_ts)
    cols = {name: np.full(n, np.nan) for name in RECORD_FIELDS.values() if name != "csd"}
    csd = None
    for d in dec.rec_defs:
        if not d.rows:
            continue
        idx = np.asarray(d.gidx, dtype=np.int64)
        arr = np.asarray(d.rows, dtype=np.float64).reshape(len(d.rows), -1)
        for num, j, invalid, code in d.fields:
            if num == TIMESTAMP:
                continue
            name = RECORD_FIELDS[num]
            if code == "3B":
                if csd is None:
                    csd = np.full((n, 3), np.nan)
                csd[idx] = arr[:, j : j + 3]
                continue
            v = arr[:, j].copy()
            if invalid is not None:
                v[v == invalid] = np.nan
            v[~np.isfinite(v)] = np.nan
            cols[name][idx] = v
    out: dict[str, np.ndarray] = {"ts": np.asarray(dec.rec_ts, dtype=np.float64)}
    out["lat"] = cols["lat"] * SEMICIRCLE
    out["lon"] = cols["lon"] * SEMICIRCLE
    ealt = cols["ealt"] / 5.0 - 500.0
    alt = cols["alt"] / 5.0 - 500.0
    out["ele"] = np.where(np.isnan(ealt), alt, ealt)
    out["hr"] = cols["hr"]
    fcad = cols["fcad"] / 128.0
    out["cad"] = cols["cad"] + np.where(np.isnan(fcad), 0.0, fcad)
    out["dist"] = cols["dist"] / 100.0
    espeed = cols["espeed"] / 1000.0
    speed = cols["speed"] / 1000.0
    out["speed"] = np.where(np.isnan(espeed), speed, espeed)
    if csd is not None:
        _apply_compressed_speed_distance(csd, out)
    return out


def _apply_compressed_speed_distance(csd: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Expand 3-byte compressed speed (12 bits, 1/100 m/s) and rolling distance (1/16 m)."""
    ok = ~np.isnan(csd).any(axis=1) & ~(csd == 0xFF).all(axis=1)
    if not ok.any():
        return
    b = csd[ok].astype(np.int64)
    speed = (b[:, 0] | ((b[:, 1] & 0x0F) << 8)) / 100.0
    raw = (b[:, 1] >> 4) | (b[:, 2] << 4)
    steps = np.diff(raw) % 4096
    dist = np.concatenate(([raw[0]], raw[0] + np.cumsum(steps))) / 16.0
    if np.isnan(out["dist"][ok]).all():
        out["dist"][ok] = dist
    if np.isnan(out["speed"][ok]).all():
        out["speed"][ok] = speed


def _abs_time(ts: float | None) -> float | None:
    if ts is None or ts != ts or ts in (0xFFFFFFFF,):
        return None
    return float(ts) + FIT_EPOCH if ts >= RELATIVE_LIMIT else None


def _scaled(msg: dict[int, Any], num: int, invalid: int, scale: float) -> float | None:
    v = msg.get(num)
    if v is None or v == invalid:
        return None
    return float(v) / scale


def _session(msg: dict[int, Any], ts: float) -> dict[str, Any]:
    def enum(num: int) -> int | None:
        v = msg.get(num)
        return None if v is None or v == 0xFF else int(v)

    start_raw = msg.get(2)
    s: dict[str, Any] = {
        "start_raw": None if start_raw in (None, 0xFFFFFFFF) else float(start_raw),
        "end_raw": None if ts != ts else float(ts),
        "sport": enum(5),
        "sub_sport": enum(6),
        "total_elapsed_time": _scaled(msg, 7, 0xFFFFFFFF, 1000.0),
        "total_timer_time": _scaled(msg, 8, 0xFFFFFFFF, 1000.0),
        "total_distance": _scaled(msg, 9, 0xFFFFFFFF, 100.0),
        "avg_heart_rate": _scaled(msg, 16, 0xFF, 1.0),
        "max_heart_rate": _scaled(msg, 17, 0xFF, 1.0),
        "total_ascent": _scaled(msg, 22, 0xFFFF, 1.0),
        "total_descent": _scaled(msg, 23, 0xFFFF, 1.0),
    }
    return s


def parse_fit(data: bytes) -> list[Activity]:
    """Parse FIT bytes (possibly several chained FIT files) into activities, one per session."""
    if not data:
        raise ParseError("file is empty")
    dec = decode(data)
    rec = _records(dec)
    sessions: list[dict[str, Any]] = []
    laps: list[tuple[float | None, Lap, int | None]] = []
    sports: list[tuple[int | None, int | None]] = []
    utc_offset: int | None = None
    for gnum, msg, ts in dec.misc:
        if gnum == SESSION:
            sessions.append(_session(msg, ts))
        elif gnum == LAP:
            start_raw = msg.get(2)
            start_abs = _abs_time(start_raw)
            lap = Lap(
                start=utc_datetime(start_abs) if start_abs is not None else None,
                elapsed_s=_scaled(msg, 7, 0xFFFFFFFF, 1000.0),
                timer_s=_scaled(msg, 8, 0xFFFFFFFF, 1000.0),
                distance_m=_scaled(msg, 9, 0xFFFFFFFF, 100.0),
            )
            laps.append((None if start_raw in (None, 0xFFFFFFFF) else float(start_raw), lap, None))
        elif gnum == SPORT:
            sports.append((msg.get(0), msg.get(1)))
        elif gnum == FILE_ID and dec.file_type is None:
            v = msg.get(0)
            dec.file_type = None if v in (None, 0xFF) else int(v)
        elif gnum == ACTIVITY:
            local = msg.get(5)
            if local not in (None, 0xFFFFFFFF, 0) and ts == ts:
                off = int(local) - int(ts)
                if abs(off) <= 14 * 3600:
                    utc_offset = off
    n = len(rec["ts"])
    if n == 0 and not sessions:
        kind = FILE_TYPES.get(dec.file_type or -1)
        what = f"it is a {kind} file" if kind and kind != "activity" else "no records or sessions"
        raise ParseError(f"FIT file holds no activity data ({what})")
    warnings = list(dec.warnings)
    if dec.file_type == 6:
        warnings.append("FIT course (a planned route), not a recorded activity")
    if not sessions:
        sp = sports[0] if sports else (None, None)
        sessions = [{"sport": sp[0], "sub_sport": sp[1], "start_raw": None, "end_raw": None}]
        if n:
            warnings.append("FIT file has no session summary (sport and totals taken from records)")
    return _split(rec, sessions, laps, warnings, utc_offset, dec.cut)


def _split(
    rec: dict[str, np.ndarray],
    sessions: list[dict[str, Any]],
    laps: list[tuple[float | None, Lap, int | None]],
    warnings: list[str],
    utc_offset: int | None,
    cut_note: str | None,
) -> list[Activity]:
    ts = rec["ts"]
    n = len(ts)
    # Fill unknown record times forward (for assigning records to sessions only).
    filled = ts.copy()
    if n and np.isnan(filled).any():
        idx = np.where(~np.isnan(filled), np.arange(n), 0)
        np.maximum.accumulate(idx, out=idx)
        filled = filled[idx]
    starts = [s.get("start_raw") for s in sessions]
    if len(sessions) > 1 and all(v is not None for v in starts):
        order = sorted(range(len(sessions)), key=lambda i: starts[i] or 0)
        sessions = [sessions[i] for i in order]
        bounds = [s["start_raw"] for s in sessions[1:]]
        cut = np.searchsorted(filled, bounds, side="left") if n else np.zeros(len(bounds), int)
        # searchsorted needs sorted times; fall back to masks when they are not.
        if n and np.any(np.diff(filled[~np.isnan(filled)]) < 0):
            cut = np.array([int(np.count_nonzero(filled < b)) for b in bounds])
        edges = [0, *[int(c) for c in cut], n]
    else:
        if len(sessions) > 1:
            warnings.append("FIT sessions have no start times; imported as one activity")
        merged = dict(sessions[0])
        for key in ("total_elapsed_time", "total_timer_time", "total_distance"):
            vals = [float(v) for s in sessions if (v := s.get(key)) is not None]
            if vals:
                merged[key] = float(sum(vals))
        sessions = [merged]
        edges = [0, n]
    activities: list[Activity] = []
    dist_all = rec["dist"]
    multi = len(sessions) > 1
    for k, s in enumerate(sessions):
        a, b = edges[k], edges[k + 1]
        sl = slice(a, b)
        sport = map_sport(s.get("sport"), s.get("sub_sport"))
        dist = dist_all[sl].copy()
        if multi and a > 0:
            # The odometer runs on across parts: count from where the previous part left it,
            # or from this part's first reading when the previous part recorded no distance
            # (a transition without one), so its distance does not land in this part.
            prev = dist_all[edges[k - 1] : a]
            prev = prev[~np.isnan(prev)]
            own = dist[~np.isnan(dist)]
            if len(prev):
                dist = dist - prev[-1]
            elif len(own):
                dist = dist - own[0]
        totals = {
            key: s[key]
            for key in (
                "total_elapsed_time",
                "total_timer_time",
                "total_distance",
                "total_ascent",
                "total_descent",
                "avg_heart_rate",
                "max_heart_rate",
            )
            if s.get(key) is not None
        }
        part_ts = ts[sl]
        absolute = part_ts >= RELATIVE_LIMIT
        relative = b > a and not absolute.any() and not np.isnan(part_ts).all()
        if relative:
            # Device-relative times: durations are right, the calendar start is unknown.
            tabs = part_ts.astype(np.float64)
        else:
            tabs = np.where(absolute, part_ts + FIT_EPOCH, np.nan)
        s_start = _abs_time(s.get("start_raw"))
        s_end = _abs_time(s.get("end_raw"))
        s_next = _abs_time(sessions[k + 1].get("start_raw")) if k + 1 < len(sessions) else None
        my_laps = [
            lap
            for raw, lap, _ in laps
            if not multi
            or raw is None
            or (
                s_start is not None
                and raw + FIT_EPOCH >= s_start - 1
                and (s_end is None or raw + FIT_EPOCH <= s_end + 1)
                and (s_next is None or raw + FIT_EPOCH < s_next - 1)  # the next part's lap
            )
        ]
        sub = s.get("sub_sport")
        act = build_activity(
            source_format="fit",
            sport=sport,
            tabs=tabs,
            lat=rec["lat"][sl],
            lon=rec["lon"][sl],
            ele=rec["ele"][sl],
            hr=rec["hr"][sl],
            cadence=steps_per_minute(rec["cad"][sl], sport, per_leg=True),
            dist=dist,
            speed=rec["speed"][sl],
            laps=my_laps,
            warnings=list(warnings) if k == len(sessions) - 1 else [],
            device_totals=totals,
            sub_sport=SUB_SPORT_NAMES.get(sub, "") if sub is not None else "",
            utc_offset_s=utc_offset,
            relative_times=relative,
        )
        if act.start is None and s_start is not None:
            act.start = utc_datetime(s_start)
        activities.append(act)
    if cut_note and activities:
        valid = ts[~np.isnan(ts) & (ts >= RELATIVE_LIMIT)]
        kept = (
            f"data up to {fmt_clock(float(valid[-1]) + FIT_EPOCH)} kept"
            if len(valid)
            else (f"{n:,} records kept")
        )
        activities[-1].warnings.insert(0, f"{cut_note}; {kept}")
    return activities
