"""``NCAResult``: the long parameter table, its wide and CDISC PP views, and provenance.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> from kinetor.nca import nca
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4, 8],
...                      "conc": [0.0, 4, 3, 1.5, 0.375]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [10.0], "route": ["po"]})
>>> res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}))
>>> # lin-up/log-down: 0.5*1*4 + 1/ln(4/3) + 2*1.5/ln 2 + 4*1.125/ln 4 = 13.0502
>>> res.to_wide()[["CMAX", "TMAX", "AUCLST"]].round(4).to_dict("records")
[{'CMAX': 4.0, 'TMAX': 1.0, 'AUCLST': 13.0502}]
>>> pp = res.to_cdisc()
>>> pp.loc[pp.PPTESTCD == "CMAX", ["USUBJID", "PPTEST", "PPSTRESN", "PPSTRESU"]].values.tolist()
[['a', 'Max Conc', 4.0, 'mg/L']]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.nca.options import Options
from kinetor.nca.registry import PARAMETERS

__all__ = ["NCAResult"]

_STAT_NAME = {"geometric": "geometric mean [geometric CV%]",
              "median": "median [min, max]",
              "arithmetic": "mean [SD]"}


def _code_table() -> tuple[dict[str, str], dict[str, str]]:
    label, stat = {}, {}
    for p in PARAMETERS.values():
        for code, lab in ((p.code, p.label), (p.ev_code, p.ev_label)):
            if code:
                label.setdefault(code, lab or p.label)
                stat.setdefault(code, p.summary)
    return label, stat


_LABEL, _STAT = _code_table()


def _sig3(x: float) -> str:
    if x is None or not np.isfinite(x):
        return "NC"
    return np.format_float_positional(float(x), precision=3, unique=False, fractional=False,
                                      trim="-")


def _iso_duration(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return ""
    u = unit.strip().lower()
    letter = {"h": "H", "hr": "H", "hour": "H", "hours": "H", "min": "M", "minute": "M",
              "minutes": "M", "s": "S", "sec": "S"}.get(u)
    if letter:
        return f"PT{value:g}{letter}"
    if u in ("d", "day", "days"):
        return f"P{value:g}D"
    return ""


@dataclass
class NCAResult:
    """Result of :func:`kinetor.nca.nca`.

    Attributes
    ----------
    parameters : DataFrame
        Long table: ``subject, <groups>, analyte, matrix, start, end, PPTESTCD, value,
        unit, exclude``. ``exclude`` is empty for a usable value; otherwise it says why the
        value is NaN or which acceptance rule it fails (the value is kept).
    profiles : DataFrame
        One row per analysed profile: keys, interval kind, route, dose, infusion duration.
    options : Options
    provenance : dict
        Options, kinetor version, ``study.input_hash()``, intervals and manual lambda_z
        selections.
    urine : DataFrame or None
        Urine collection intervals (midpoint, Ae, excretion rate) when the study has any.
    """

    parameters: pd.DataFrame
    profiles: pd.DataFrame
    options: Options
    provenance: dict
    groups: list[str] = field(default_factory=list)
    units: dict = field(default_factory=dict)
    urine: pd.DataFrame | None = None
    _lz: tuple | None = field(default=None, repr=False)

    @property
    def lambda_z_points(self) -> pd.DataFrame:
        """Every observation with ``used`` saying whether it entered the lambda_z fit
        (``time`` on the study's scale, ``time_after_dose`` from the interval origin)."""
        if self._lz is None:
            return pd.DataFrame(columns=["subject", "time", "conc", "used"])
        from kinetor.nca.api import lambda_z_points

        return lambda_z_points(*self._lz)

    @property
    def keys(self) -> list[str]:
        return ["subject", *self.groups, "analyte", "matrix", "start", "end"]

    def to_wide(self, exclude: bool = False) -> pd.DataFrame:
        """One row per profile and interval, one column per ``PPTESTCD``.

        With ``exclude=True`` values with an exclusion reason are blanked.
        """
        df = self.parameters
        if exclude:
            df = df.assign(value=df["value"].where(df["exclude"] == ""))
        codes = list(dict.fromkeys(df["PPTESTCD"].astype(str)))
        keys = df[self.keys].astype({c: object for c in self.keys
                                     if isinstance(df[c].dtype, pd.CategoricalDtype)})
        rows = pd.MultiIndex.from_frame(keys.drop_duplicates())
        idx = pd.MultiIndex.from_frame(keys.assign(PPTESTCD=df["PPTESTCD"].astype(str)))
        wide = pd.Series(df["value"].to_numpy(float), index=idx).unstack("PPTESTCD")
        wide = wide.reindex(index=rows, columns=codes).reset_index()
        wide.columns.name = None
        # acceptance flags of the profile (every distinct rule its values fail)
        flag = np.full(len(wide), "", dtype=object)
        if "flag" in df.columns:
            fl = df["flag"].to_numpy(object) != ""
            if fl.any():
                sub = keys[fl].assign(_f=df["flag"].to_numpy(object)[fl])
                per = sub.groupby(self.keys, sort=False, dropna=False)["_f"].agg(
                    lambda s: "; ".join(dict.fromkeys("; ".join(s).split("; "))))
                got = wide[self.keys].merge(per.reset_index(), on=self.keys, how="left")
                flag = got["_f"].fillna("").to_numpy(object)
        wide["flag"] = flag
        return wide

    def to_cdisc(self, studyid: str = "") -> pd.DataFrame:
        """The SDTM/SEND PP domain (one record per subject, interval and parameter)."""
        df = self.parameters.reset_index(drop=True)
        tunit = self.units.get("time", "")
        value = df["value"].to_numpy(float)
        done = np.isfinite(value)
        text = np.array([format(v, ".8g") if ok else "" for v, ok in zip(value, done,
                                                                        strict=True)])
        pp = pd.DataFrame({
            "STUDYID": studyid,
            "DOMAIN": "PP",
            "USUBJID": df["subject"].astype(str).to_numpy(),
            "PPSEQ": df.groupby("subject", sort=False).cumcount().to_numpy() + 1,
            "PPGRPID": (df["analyte"].astype(str) + "_" + df["start"].map("{:g}".format) + "_"
                        + df["end"].map("{:g}".format)).to_numpy(),
            "PPTESTCD": df["PPTESTCD"].to_numpy(),
            "PPTEST": df["PPTESTCD"].map(_LABEL).to_numpy(),
            "PPCAT": df["analyte"].astype(str).to_numpy(),
            "PPSCAT": "NON-COMPARTMENTAL",
            "PPORRES": text,
            "PPORRESU": df["unit"].to_numpy(),
            "PPSTRESC": text,
            "PPSTRESN": np.where(done, value, np.nan),
            "PPSTRESU": df["unit"].to_numpy(),
            "PPSTAT": np.where(done, "", "NOT DONE"),
            "PPREASND": np.where(done, "", df["exclude"].to_numpy()),
            "PPSPEC": df["matrix"].astype(str).str.upper().to_numpy(),
            "PPSTINT": [_iso_duration(v, tunit) for v in df["start"].to_numpy(float)],
            "PPENINT": [_iso_duration(v, tunit) for v in df["end"].to_numpy(float)],
        })
        return pp

    def summary(self, by: list[str] | None = None, exclude_flagged: bool = False,
                max_missing: float = 0.5) -> pd.DataFrame:
        """Descriptive statistics per group, analyte, interval and parameter.

        Columns: ``n`` (values used), ``n_missing``, ``mean, sd, cv_pct, geomean,
        geocv_pct, median, min, max``, ``statistic`` (PKNCA's default statistic for the
        parameter) and ``display`` (that statistic to 3 significant figures, ``NC`` when
        more than ``max_missing`` of the values are missing), ``n_flagged`` (values that
        fail an acceptance rule). Flagged values are kept in the statistics unless
        ``exclude_flagged`` (CLI ``--exclude-flagged``); NaN values are never counted.

        .. math:: \\mathrm{geoCV\\%} = 100 \\sqrt{e^{s_{\\ln}^2} - 1}
        """
        df = self.parameters
        by = list(by) if by is not None else [*self.groups, "analyte", "matrix", "start",
                                              "end"]
        v = df["value"].to_numpy(float).copy()
        flagged = (df["flag"].to_numpy(object) != "") if "flag" in df.columns else \
            np.zeros(len(df), bool)
        if exclude_flagged:
            v[flagged] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            logv = np.where(v > 0, np.log(v), np.nan)
        work = df[[*by, "PPTESTCD", "unit"]].assign(v=v, logv=logv, flagged=flagged,
                                                   nonpos=np.nan_to_num(v, nan=1.0) <= 0)
        g = work.groupby([*by, "PPTESTCD", "unit"], sort=False, dropna=False, observed=True)
        out = g.agg(n=("v", "count"), n_total=("v", "size"), mean=("v", "mean"),
                    sd=("v", "std"), median=("v", "median"), min=("v", "min"),
                    max=("v", "max"), lmean=("logv", "mean"), lsd=("logv", "std"),
                    nonpos=("nonpos", "sum"), n_flagged=("flagged", "sum")).reset_index()
        out["n_missing"] = out["n_total"] - out["n"]
        out["cv_pct"] = 100.0 * out["sd"] / out["mean"]
        ok_geo = out["nonpos"] == 0
        out["geomean"] = np.where(ok_geo, np.exp(out["lmean"]), np.nan)
        out["geocv_pct"] = np.where(ok_geo, 100.0 * np.sqrt(np.expm1(out["lsd"] ** 2)), np.nan)
        kind = out["PPTESTCD"].map(_STAT).fillna("arithmetic")
        out["statistic"] = kind.map(_STAT_NAME)
        enough = out["n"] >= (1.0 - max_missing) * out["n_total"]
        disp = []
        for k, r, ok in zip(kind, out.itertuples(), enough, strict=True):
            if not ok or r.n == 0:
                disp.append("NC")
            elif k == "geometric":
                disp.append(f"{_sig3(r.geomean)} [{_sig3(r.geocv_pct)}]")
            elif k == "median":
                disp.append(f"{_sig3(r.median)} [{_sig3(r.min)}, {_sig3(r.max)}]")
            else:
                disp.append(f"{_sig3(r.mean)} [{_sig3(r.sd)}]")
        out["display"] = disp
        cols = [*by, "PPTESTCD", "unit", "n", "n_missing", "n_flagged", "mean", "sd", "cv_pct", "geomean",
                "geocv_pct", "median", "min", "max", "statistic", "display"]
        return out[cols]

    def __repr__(self) -> str:
        n = self.profiles.shape[0]
        return (f"NCAResult(profiles={n}, parameters={len(self.parameters)}, "
                f"auc_method={self.options.auc_method!r})")
