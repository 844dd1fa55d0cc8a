"""Tables and notes of the evidence calibration (which parameter is fixed and why, which
rows push a fitted one to its bound, the parameter table) and the checked reading of a
fitted-parameter file (:func:`load_fitted`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pathway._model import prior_parameters

SE_MAX = 0.5  # decades: largest standard error of an identifiable parameter


def why_fixed(j, names, informed, subset, se_sub, corr) -> str:
    if not informed[j]:
        return "uninformed: no training row depends on it (Fisher information 0 at the prior)"
    if j not in subset:
        partner = max(subset, key=lambda k: abs(corr[j, k])) if subset else None
        with_ = (
            f" (column correlation {corr[j, partner]:+.2f} with {names[partner]})"
            if partner is not None
            else ""
        )
        return f"not identifiable: its sensitivity is nearly a combination of the independent subset's{with_}"
    return (
        f"in the independent subset but its standard error is {se_sub[j]:.2g} decades (>= {SE_MAX})"
    )


def bound_note(rows, names, k, side, r_data, jac) -> str:
    """Which training rows push fitted parameter ``k`` to its bound (gradient terms)."""
    g = r_data * jac[:, k]  # d(0.5 r^2)/dx_k per row: negative pushes x_k up
    order = np.argsort(g if side == "upper" else -g)
    push = [
        rows[i]["obs"]["id"] for i in order[:3] if (g[i] < 0) == (side == "upper") and g[i] != 0
    ]
    who = ", ".join(push) if push else "the prior rows alone"
    return (
        f"; AT {side.upper()} BOUND: the fit would move it further, pushed by {who}; "
        "the bound is the literature range of the constant (evidence_parameters.csv)"
    )


def parameter_table(free, priors, all_names, sens, se_sub, values, why, fitted_info, prof):
    """One row per candidate: prior, bounds, value, fitted or fixed, standard errors, start
    spread, 95 % profile interval (NaN: open), at_bound and the note saying why."""
    out = []
    for jj, n in enumerate(all_names):
        fi = fitted_info.get(n, {})
        lo_v, hi_v = prof.get(n, (float("nan"), float("nan")))
        out.append(
            {
                "name": n,
                "prior": priors[n],
                "lower": float(free["lower"].iloc[jj]),
                "upper": float(free["upper"].iloc[jj]),
                "value": values.get(n, priors[n]),
                "status": "fitted" if n in values else "fixed at prior",
                "identifiable": n in values,
                "sensitivity": float(sens[jj]),
                "se_subset_prior_log10": float(se_sub[jj]),
                "se_log10": fi.get("se", float("nan")),
                "spread_log10": fi.get("spread", float("nan")),
                "profile_low": lo_v,
                "profile_high": hi_v,
                "at_bound": fi.get("at_bound", False),
                "note": fi.get("note", why.get(n, "")),
            }
        )
    return pd.DataFrame(out)


def load_fitted(path) -> dict[str, float]:
    """Read and check a fitted-parameter CSV (``name``, ``value``; ``lower``/``upper`` where
    given; ``#`` lines are comments), as :func:`write_fitted` writes it.

    Read as every user table (:func:`kinetor.data._user_table.read_user_table`: byte-order
    mark, cp1252, ``;``/tab delimiters); every problem is listed in one ``DataError`` with
    the file, the row and the column: a missing file, a folder, no parameter rows, a name
    that is not a parameter of ``mtor.ant`` (names are case-sensitive) or given twice, a
    value that is not a finite number >= 0 or lies outside the row's own bounds.
    """
    import difflib
    import math

    from kinetor.data._user_table import read_user_table

    fix = "give a header row name,value (optionally lower,upper) and one row per parameter"
    raw = read_user_table(
        path,
        empty=("the file is empty", fix),
        no_rows=("the file has a header row but no parameter rows", fix),
    )
    df, file, priors = raw.frame, raw.file, prior_parameters()
    head = int(raw.rows[0]) - 1
    problems = [
        Problem(f"no {c!r} column (the header has {', '.join(df.columns)})", file, head, c, fix)
        for c in ("name", "value")
        if c not in df.columns
    ] + [
        Problem(f"column {c!r} appears twice", file, head, c, f"keep one {c!r} column")
        for c in ("name", "value", "lower", "upper")
        if f"{c}.1" in df.columns
    ]
    if problems:
        raise DataError(problems)
    out: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, row in enumerate(df.to_dict("records")):
        where = {"file": file, "row": int(raw.rows[i])}
        name, text = row["name"], row["value"]
        if not name:
            problems.append(
                Problem("blank name", column="name", fix="write the parameter's name", **where)
            )
        elif name not in priors:
            near = difflib.get_close_matches(name, priors, n=1, cutoff=0.6)
            near = [n for n in priors if n.lower() == name.lower()] or near
            hint = f"did you mean {near[0]!r}? " if near else ""
            problems.append(
                Problem(
                    f"{name!r} is not a parameter of the model (mtor.ant)",
                    column="name",
                    fix=f"{hint}write a parameter name of mtor.ant (names are case-sensitive)",
                    **where,
                )
            )
        elif name in first:
            problems.append(
                Problem(
                    f"{name!r} is given again (first on row {first[name]})",
                    column="name",
                    fix="keep one row per parameter",
                    **where,
                )
            )
        first.setdefault(name, where["row"])
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            problems.append(
                Problem(
                    f"{repr(text) if text else 'blank'} is not a finite number >= 0",
                    column="value",
                    fix="write the parameter's value as a plain number >= 0",
                    **where,
                )
            )
            continue
        out[name] = value
        for col, bad in (("lower", value.__lt__), ("upper", value.__gt__)):
            cell = str(row.get(col, "")).strip()
            try:
                bound = float(cell) if cell else math.nan
            except ValueError:
                bound = math.nan
                problems.append(
                    Problem(
                        f"bound {cell!r} is not a number",
                        column=col,
                        fix="write a number or leave the cell blank",
                        **where,
                    )
                )
            if math.isfinite(bound) and bad(bound):
                problems.append(
                    Problem(
                        f"value {value:g} is outside its stated bounds ({col} {bound:g})",
                        column="value",
                        fix=f"check the value (a fit stays within its bounds) or its {col}",
                        **where,
                    )
                )
    if problems:
        raise DataError(problems)
    return out
