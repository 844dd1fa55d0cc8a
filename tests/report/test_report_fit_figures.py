"""`fit`, `simulate-pk` and `pd fit` reports carry figures built from their public outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main


def _figures(html: str) -> int:
    return html.count("<img")


@pytest.mark.slow
def test_simulate_pk_report_has_percentile_bands(tmp_path):
    out = tmp_path / "sim"
    assert (
        main(
            [
                "--quiet",
                "simulate-pk",
                "--model",
                "1cmt-oral",
                "--param",
                "cl=1",
                "--param",
                "v=10",
                "--param",
                "ka=1",
                "--regimen",
                "10 mg PO single",
                "--hours",
                "24",
                "--n-subjects",
                "20",
                "--cv",
                "cl=0.3",
                "--seed",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "pk_simulation_bands.png").exists()
    assert _figures((out / "report.html").read_text()) >= 1


@pytest.mark.slow
def test_pk_fit_report_has_individual_and_gof_figures(tmp_path):
    from kinetor.pk import OneCompartmentOral, simulate

    t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
    rows = []
    for s, cl in (("A", 0.5), ("B", 0.7)):
        sim = simulate(
            OneCompartmentOral(cl=cl, v=2.0, ka=1.5),
            "10 mg/kg PO single",
            t,
            weight=1.0,
            residual={"prop": 0.05},
            seed=3,
        )
        rows.append(
            pd.DataFrame(
                {"subject": s, "time": t, "conc": sim.conc[0], "dose": 10.0, "route": "PO"}
            )
        )
    path = tmp_path / "study.csv"
    pd.concat(rows).to_csv(path, index=False)
    out = tmp_path / "fit"
    assert (
        main(
            [
                "--quiet",
                "fit",
                str(path),
                "--model",
                "1cmt-oral",
                "--time-unit",
                "h",
                "--conc-unit",
                "ng/mL",
                "--dose-unit",
                "mg/kg",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    for name in (
        "pk_fit_individual_linear.png",
        "pk_fit_individual_log.png",
        "pk_fit_goodness_of_fit.png",
    ):
        assert (out / name).exists(), name
    assert _figures((out / "report.html").read_text()) >= 3


@pytest.mark.slow
def test_pd_fit_report_has_figures(tmp_path):
    lines = ["animal,group,day,volume"]
    for a, v0 in (("a1", 100.0), ("a2", 150.0)):
        lines += [f"{a},Vehicle,{d},{v0 * 2 ** (d / 7)}" for d in (0, 7, 14, 21)]
    path = tmp_path / "vol.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "pdfit"
    assert (
        main(
            [
                "--quiet",
                "pd",
                "fit",
                str(path),
                "--model",
                "exponential",
                "--by",
                "animal",
                "--out",
                str(out),
            ]
        )
        == 4  # exact data: the residual error collapses (not converged); figures still written
    )
    for name in (
        "pd_fit_individual_linear.png",
        "pd_fit_individual_log.png",
        "pd_fit_goodness_of_fit.png",
    ):
        assert (out / name).exists(), name
    assert _figures((out / "report.html").read_text()) >= 3


def test_gof_figure_draws_identity_and_zero_lines():
    from kinetor.report.fit_figures import plot_fit_gof

    df = pd.DataFrame(
        {
            "s": ["a"] * 3,
            "t": [1.0, 2, 3],
            "y": [3.0, 2, 1],
            "p": [2.5, 2, 1.5],
            "r": [0.5, 0.0, -0.5],
        }
    )
    fig = plot_fit_gof(df, "s", "t", "y", "p", "r")
    ident = fig.axes[0].lines[1]
    assert list(ident.get_xdata()) == pytest.approx([1.0, 3.0])
    assert list(ident.get_ydata()) == pytest.approx([1.0, 3.0])
