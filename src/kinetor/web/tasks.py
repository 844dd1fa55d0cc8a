"""The computations the browser app sends to worker processes.

Each is a top-level function of plain arguments returning plain data (picklable), so it
runs in a ``ProcessPoolExecutor`` worker and never blocks the page. Errors the user can
fix come back as ``{"error": ..., "problems": [...]}`` instead of exceptions.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _problems(exc: Exception) -> dict[str, Any]:
    """The error for the page: every problem of a DataError (message and fix), reworded
    for the page (field labels, not command-line options; no exception class names)."""
    from kinetor.errors import DataError
    from kinetor.web.forms import web_text

    if isinstance(exc, DataError):
        return {
            "error": str(exc).splitlines()[0].rstrip(":"),
            "problems": [
                {
                    "file": p.file or "",
                    "row": "" if p.row is None else p.row,
                    "column": web_text(p.column or ""),
                    "problem": web_text(p.message),
                    "fix": web_text(p.fix or ""),
                }
                for p in exc.problems
            ],
        }
    return {"error": web_text(str(exc)), "problems": []}


def warm() -> bool:
    """Import the heavy modules once per worker (called when the pool starts)."""
    import kinetor.data
    import kinetor.nca  # noqa: F401

    return True


def validate(data: bytes, name: str, settings: dict) -> dict[str, Any]:
    """Read an upload: ``{"ok": True, "subjects": n, "notes": [...], "warnings": [...]}``
    (warnings: legal but suspicious data, as ``kinetor validate`` prints them) or its
    problems."""
    from kinetor.data.advisories import study_warnings
    from kinetor.errors import KinetorError
    from kinetor.store.nca import read_upload

    try:
        study = read_upload(data, name, settings)
    except KinetorError as exc:
        return {"ok": False, **_problems(exc)}
    return {
        "ok": True,
        "subjects": int(study.conc["subject"].nunique()),
        "rows": len(study.conc),
        "units": dict(study.units),
        "notes": list(study.notes),
        "warnings": study_warnings(study),
    }


def nca_job(
    data: bytes,
    name: str,
    settings: dict,
    options: dict,
    report: bool = False,
    workbook: bool = False,
) -> dict[str, Any]:
    """NCA of a stored study: blobs to store (CSV tables and provenance; the Excel
    workbook and HTML report on request; the notes file only when there are notes),
    lambda_z points for the plot, the main summary (the command line's codes, per
    interval, with ``n_flagged``) and the values not calculated with their reasons."""
    from kinetor.errors import KinetorError
    from kinetor.nca import nca
    from kinetor.store.nca import nca_blobs, nca_options, read_upload
    from kinetor.web.nca_summary import main_summary, not_calculated, records

    try:
        study = read_upload(data, name, settings)
        res = nca(study, **nca_options(options))
    except KinetorError as exc:
        return _problems(exc)
    lz = res.lambda_z_points
    keep = [c for c in ("subject", "analyte", "time", "conc", "used") if c in lz.columns]
    lz = lz[keep].astype({"subject": str})
    blobs = nca_blobs(study, res, report=report, workbook=workbook)
    if not res.provenance.get("notes"):  # as the command line: no notes, no notes file
        blobs.pop("nca_notes.csv", None)
    main = main_summary(res.summary(), res.groups, study.units.get("time", ""))
    return {
        "blobs": blobs,
        "input_hash": study.input_hash(),
        "lz": lz.to_dict("records"),
        "summary": records(main),
        "not_calculated": not_calculated(res.parameters),
        "notes": list(res.provenance.get("notes", [])),
        "units": dict(study.units),
        "profiles": len(res.profiles),
    }


def pk_job(
    model: str,
    params: dict[str, str],
    regimen: str,
    t_end: float,
    n: int,
    cv: float,
    weight: float | None,
    seed: int = 0,
) -> dict[str, Any]:
    """Population PK simulation: median and 5th/95th percentiles over time."""
    import kinetor.pk as kpk
    from kinetor.errors import KinetorError

    try:
        cls = getattr(kpk, model)
        mdl = cls(**params)
        times = np.linspace(0.0, float(t_end), 241)
        var = {k: cv / 100 for k in params} if cv > 0 and n > 1 else None
        sim = kpk.simulate(
            mdl,
            regimen,
            times,
            n_subjects=int(n),
            variability=var,
            weight=weight,
            seed=seed,
            conc_unit="ng/mL",
        )
    except (KinetorError, TypeError, ValueError) as exc:
        return _problems(exc)
    c = np.asarray(sim.conc, float)
    q = np.percentile(c, [5, 50, 95], axis=0)
    return {
        "time": times.tolist(),
        "p05": q[0].tolist(),
        "median": q[1].tolist(),
        "p95": q[2].tolist(),
        "n": int(c.shape[0]),
        "unit": "ng/mL",
    }


def pathway_job(
    lesions: list[str], drugs: dict[str, float], t_end: float, readouts: list[str]
) -> dict[str, Any]:
    """Readout time courses with the drugs, the first drug's dose-response at t_end and,
    for two drugs, a 6 x 6 combination grid of the first readout (0 and 0.1x-10x each
    concentration) with its Bliss excess. Any failure of the simulation comes back as a
    message (``{"error": ...}``), never as a solver's own text."""
    import kinetor.pathway as kp
    from kinetor.errors import KinetorError

    bad = [r for r in readouts if r not in kp.READOUTS]
    if bad:
        return {"error": f"unknown readout(s) {bad}: choose from the Readouts list", "problems": []}
    try:
        net = kp.Network(lesions or None)
        res = net.simulate(drugs or None, t_end=float(t_end))
        out: dict[str, Any] = {
            "course": res.readouts[["time", *readouts]].to_dict("list"),
            "t_end": float(t_end),
        }
        if drugs:
            first = next(iter(drugs))
            others = {k: v for k, v in drugs.items() if k != first}
            concs = np.logspace(-2, 4, 13)
            dr = kp.dose_response(net, first, concs, t=float(t_end), others=others or None)
            out["dose_response"] = dr[["conc_nM", *readouts]].to_dict("list")
            out["drug"] = first
        if len(drugs) == 2 and all(v > 0 for v in drugs.values()):
            (a, ca), (b, cb) = drugs.items()
            steps = np.array([0.1, 0.3, 1.0, 3.0, 10.0])
            grid = kp.combination_grid(
                net, a, ca * steps, b, cb * steps, readout=readouts[0], t=float(t_end)
            )
            out["grid"] = grid.to_dict("list")
            out["grid_readout"] = readouts[0]
    except KinetorError as exc:
        return _problems(exc)
    except Exception:  # the ODE solver's own failures (e.g. CVODE) and anything unforeseen
        return {
            "error": "the pathway simulation did not complete (the ODE solver failed): "
            "check that the concentrations are realistic (nM, e.g. 0.01 to 1e5) and the "
            "time is not extreme, then simulate again",
            "problems": [],
        }
    return out


def xenograft_curves(arms: list[str], tumor: str, n_animals: int, seed: int) -> dict:
    """Step 1: one virtual study (tumour curves per arm, TGI of that study)."""
    import kinetor.translate as kt_tr
    from kinetor.errors import KinetorError

    try:
        xs = kt_tr.run_study(tumor=tumor, arms=arms, n_animals=int(n_animals), seed=seed)
    except (KinetorError, ValueError) as exc:
        return _problems(exc)
    mean = xs.tumor.groupby(["arm", "day"], sort=False)["volume"].agg(["mean", "sem"]).reset_index()
    return {"curves": mean.to_dict("list"), "tgi": xs.tgi[["arm", "tgi_pct"]].to_dict("list")}


def xenograft_tgi(
    arms: list[str], tumor: str, n_animals: int, n_replicates: int, seed: int
) -> dict:
    """Step 2: TGI with its 95% interval over replicate virtual studies."""
    import kinetor.translate as kt_tr
    from kinetor.errors import KinetorError

    try:
        rep = kt_tr.replicate_tgi(
            tumor=tumor,
            arms=arms,
            n_animals=int(n_animals),
            n_replicates=int(n_replicates),
            seed=seed,
        )
    except (KinetorError, ValueError) as exc:
        return _problems(exc)
    cols = ["arm", "n_animals", "n_replicates", "tgi_median_pct", "tgi_lo_pct", "tgi_hi_pct"]
    table = rep.summary[cols].astype(object)
    one = table["n_replicates"].astype(int) < 2  # no interval from a single study
    table.loc[one, ["tgi_lo_pct", "tgi_hi_pct"]] = "one replicate: no interval"
    return {"summary": table.to_dict("list")}


def xenograft_power(arms: list[str], tumor: str, seed: int) -> dict:
    """Step 3: animals per arm to detect each arm's effect (80% power, alpha 0.05)."""
    import kinetor.translate as kt_tr
    from kinetor.errors import KinetorError

    try:
        p = kt_tr.power(tumor=tumor, arms=arms, seed=seed)  # the CLI's settings
    except (KinetorError, ValueError) as exc:
        return _problems(exc)
    cols = [
        c
        for c in ("comparison", "arm", "n_per_arm", "achieved_power", "alpha", "power")
        if c in p.table.columns
    ]
    return {"power": p.table[cols].astype(object).where(p.table[cols].notna(), "").to_dict("list")}
