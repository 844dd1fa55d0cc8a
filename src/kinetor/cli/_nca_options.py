"""Option parsers of ``kinetor nca``: intervals, ``--map`` pairs and lambda_z choices."""

from __future__ import annotations


def _intervals(path: str | None, specs: list[str] | None):
    """The intervals table from ``--intervals FILE`` and ``--interval A-B`` options."""
    import pandas as pd

    from kinetor.errors import DataError, Problem

    frames = []
    if path:
        from kinetor.data._text import read_raw

        frames.append(read_raw(path).frame)
    rows = []
    for spec in specs or []:
        span, _, kind = spec.strip().partition(":")
        a, sep, b = span.partition("-")
        try:
            lo, hi = float(a), float(b)
        except ValueError:
            lo = hi = float("nan")
        tau_inf = kind == "tau" and hi == float("inf")  # a dosing interval is tau long
        if not sep or not (hi > lo) or kind not in ("", "single", "tau", "partial") or tau_inf:
            raise DataError(
                [
                    Problem(
                        f"interval {spec!r}",
                        column="--interval",
                        fix="write START-END with END after START, optionally :single, "
                        ":tau or :partial (a :tau interval ends), e.g. --interval 144-168, "
                        "--interval 0-inf or --interval 30-48:partial",
                    )
                ]
            )
        rows.append({"start": lo, "end": hi, **({"kind": kind} if kind else {})})
    if rows:
        frames.append(pd.DataFrame(rows))
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True)
    if path:  # the file's rows come first: its problems name the file and its rows
        from pathlib import Path

        table.attrs["source"] = Path(path).name
    return table


def _bad(option: str, value: str, fix: str):
    from kinetor.errors import DataError, Problem

    return DataError([Problem(f"{option} {value!r}", column=option, fix=fix)])


def _pairs(values: list[str] | None, option: str, fix: str) -> dict[str, str]:
    out = {}
    for v in values or []:
        key, sep, val = v.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise _bad(option, v, fix)
        out[key.strip()] = val.strip()
    return out


def _lz_ranges(values: list[str] | None):
    """``SUBJECT:LOWER-UPPER`` options as the ``lambda_z_range`` table."""
    import pandas as pd

    rows = []
    fix = "write SUBJECT:LOWER-UPPER, e.g. --lambda-z-range 3:8-24"
    for v in values or []:
        subj, sep, rng = v.rpartition(":")
        lo, dash, hi = rng.partition("-")
        try:
            lower, upper = float(lo), float(hi)
        except ValueError:
            raise _bad("--lambda-z-range", v, fix) from None
        if not sep or not subj.strip() or not dash:
            raise _bad("--lambda-z-range", v, fix)
        if not upper > lower:
            raise _bad(
                "--lambda-z-range",
                v,
                f"the lower time {lower:g} is not before the upper time {upper:g}: write "
                f"SUBJECT:LOWER-UPPER with LOWER < UPPER, e.g. {subj.strip()}:{upper:g}-{lower:g}",
            )
        rows.append({"subject": subj.strip(), "lower": lower, "upper": upper})
    return pd.DataFrame(rows) if rows else None


def _lz_points(values: list[str] | None):
    """``SUBJECT:TIME`` options as the ``lambda_z_exclude`` table."""
    import pandas as pd

    rows = []
    for v in values or []:
        subj, sep, t = v.rpartition(":")
        try:
            time = float(t)
        except ValueError:
            raise _bad("--lambda-z-exclude", v, "write SUBJECT:TIME, e.g. 3:12") from None
        if not sep or not subj.strip():
            raise _bad("--lambda-z-exclude", v, "write SUBJECT:TIME, e.g. 3:12")
        rows.append({"subject": subj.strip(), "time": time})
    return pd.DataFrame(rows) if rows else None
