"""The result of :func:`kinetor.translate.validate`: tables, error summary, plots, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ValidationResult"]


@dataclass
class ValidationResult:
    """Result of :func:`validate`.

    Attributes
    ----------
    predictions : DataFrame
        One row per compared arm: ``study_id, split, arm, compounds, schedule, tumor,
        days, n_animals, observed_kind, observed, observed_high, predicted, predicted_lo,
        predicted_hi, error``.
    skipped : DataFrame
        ``study_id, split, arm, compounds, reason`` for every arm not compared.
    ranking : DataFrame
        Per study with >= 2 compared arms (per reference dose for dose ratios):
        ``study_id, split, basis, n_arms, pairs, concordant_pairs, correct``.
    ratios : DataFrame
        Equal-efficacy dose ratios: ``study_id, split, arm, reference_dose, observed_ratio,
        predicted_ratio, reference_tgi_pct, tgi_at_6x_pct, feasible, reason, pk_basis``.
    settings : dict
    """

    predictions: pd.DataFrame
    skipped: pd.DataFrame
    ranking: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    ratios: pd.DataFrame = field(default_factory=pd.DataFrame)

    def error_summary(self) -> pd.DataFrame:
        """Mean absolute and mean signed error (points) per split and endpoint kind."""
        p = self.predictions
        if p.empty:
            return pd.DataFrame(columns=["split", "observed_kind", "n_arms", "mae", "bias"])
        return (
            p.groupby(["split", "observed_kind"])["error"]
            .agg(n_arms="size", mae=lambda e: float(np.mean(np.abs(e))), bias="mean")
            .reset_index()
        )

    def plot_study(self, study_id: str):
        """Observed vs predicted (median and 95 % interval) per arm of one study (a
        ``matplotlib.figure.Figure``; pyplot and the backend are not touched)."""
        from kinetor._figures import HIGHLIGHT, PALETTE, new_figure

        sub = self.predictions[self.predictions["study_id"] == study_id]
        fig, ax = new_figure(max(4.0, 1.3 * len(sub) + 2), 3.6, squeeze=True, layout="tight")
        x = np.arange(len(sub))
        ax.errorbar(
            x + 0.1,
            sub["predicted"],
            yerr=[sub["predicted"] - sub["predicted_lo"], sub["predicted_hi"] - sub["predicted"]],
            fmt="o",
            color=PALETTE[0],
            label="predicted (95 % interval)",
        )
        hi = sub["observed_high"].fillna(sub["observed"])
        ax.errorbar(
            x - 0.1,
            sub["observed"],
            yerr=[np.zeros(len(sub)), hi - sub["observed"]],
            fmt="s",
            color=HIGHLIGHT,
            label="published (range)",
        )
        ax.set_xticks(x, sub["arm"], rotation=20, ha="right", fontsize=7)
        ax.set(
            ylabel=sub["observed_kind"].iloc[0] if len(sub) else "",
            title=f"{study_id} ({sub['split'].iloc[0] if len(sub) else ''})",
        )
        ax.legend(fontsize=7)
        return fig

    def save(self, out: str | Path, report: bool = True) -> list[Path]:
        """Write predictions.csv, skipped.csv, ranking.csv, errors.csv and report.html."""
        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        files = []
        for name, df in (
            ("predictions", self.predictions),
            ("skipped", self.skipped),
            ("ranking", self.ranking),
            ("errors", self.error_summary()),
            ("ratios", self.ratios),
        ):
            p = d / f"{name}.csv"
            df.to_csv(p, index=False, float_format="%.6g")
            files.append(p)
        if report:
            files.append(self._report(d))
        return files

    def _report(self, d: Path) -> Path:
        from kinetor.report import Report

        rep = Report(
            "Validation of the dose-to-tumour chain against published xenografts",
            subtitle=f"{len(self.predictions)} arms compared, {len(self.skipped)} not simulable",
        )
        rep.add_section("Errors by split")
        rep.add_table(
            self.error_summary(),
            caption="Mean absolute and signed error of the "
            "predicted median (percentage points). Held-out studies were never "
            "fitted.",
        )
        if not self.ranking.empty:
            rep.add_table(
                self.ranking, caption="Does the model order the arms of each study as published?"
            )
        if not self.ratios.empty:
            rep.add_section("Equal-efficacy dose ratios")
            rep.add_table(
                self.ratios,
                caption="Published multiple of the reference dose "
                "giving equal efficacy vs the chain's prediction, at each dose of "
                "the reference grid (the reference dose is not published)",
            )
        for sid in self.predictions["study_id"].unique():
            rep.add_section(f"Study {sid}")
            fig = self.plot_study(sid)
            rep.add_figure(
                fig,
                caption=f"{sid}: published endpoint vs predicted median and "
                "95 % interval over replicate virtual studies",
            )
            rep.add_table(
                self.predictions[self.predictions["study_id"] == sid], caption="Arms compared"
            )
        rep.add_section("Not simulated")
        rep.add_table(self.skipped, caption="Arms the chain cannot simulate, with the reason")
        rep.add_methods({k: str(v) for k, v in self.settings.items()})
        return rep.save(d / "report.html", assets=False)
