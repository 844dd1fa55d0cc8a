"""The example data: the generator's closed forms, the files and what README claims."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from kinetor.data import read_study

EXAMPLES = Path(__file__).parents[2] / "examples"
MW = 462.55  # g/mol, vistusertib (examples/README.md)


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen", EXAMPLES / "generate_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ode_2cmt(t_eval, dose, cl, v1, q, v2, ka=None, f=1.0):
    """Amounts in depot, central, peripheral by numerical integration (independent check)."""

    def rhs(_, a):
        dep, cen, per = a
        absorbed = (ka or 0.0) * dep
        return [
            -absorbed,
            absorbed - (cl + q) / v1 * cen + q / v2 * per,
            q / v1 * cen - q / v2 * per,
        ]

    a0 = [f * dose, 0.0, 0.0] if ka else [0.0, dose, 0.0]
    sol = solve_ivp(rhs, (0, t_eval[-1]), a0, t_eval=t_eval, rtol=1e-10, atol=1e-12, method="LSODA")
    return sol.y[1] / v1


def test_closed_forms_match_numerical_integration(gen):
    t = np.array([0.083, 0.5, 1, 2, 4, 8, 12, 24])
    v2 = gen.v2_for_half_life(1.5, 1.0, 1.0, 4.0)
    np.testing.assert_allclose(
        gen.conc_iv_bolus(t, 2000, 1.5, 1.0, 1.0, v2),
        _ode_2cmt(t, 2000, 1.5, 1.0, 1.0, v2),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        gen.conc_oral_2cmt(t, 10000, 1.5, 1.0, 1.0, v2, 1.5, 0.29),
        _ode_2cmt(t, 10000, 1.5, 1.0, 1.0, v2, 1.5, 0.29),
        rtol=1e-6,
    )
    # one compartment: the two-compartment ODE with Q = 0
    np.testing.assert_allclose(
        gen.conc_oral_1cmt(t, 7500, 0.2, 1.2, 2.0, 0.29),
        _ode_2cmt(t, 7500, 0.2, 1.2, 0.0, 1.0, 2.0, 0.29),
        rtol=1e-6,
    )


def test_rat_parameters_honour_the_seed(gen):
    v2 = gen.v2_for_half_life(gen.RAT_CL, gen.RAT_V1, gen.RAT_Q, 4.0)
    _, beta, _ = gen.two_cmt_rates(gen.RAT_CL, gen.RAT_V1, gen.RAT_Q, v2)
    assert np.log(2) / beta == pytest.approx(4.0, rel=1e-12)  # seed 000: rat t1/2 ~4 h
    # F from exposures: AUC_iv = D/CL = 2000/1.5; AUC_po = F D/CL = 0.29 x 10000/1.5
    t = np.linspace(0, 200, 400001)
    auc_iv = np.trapezoid(gen.conc_iv_bolus(t, 2000, 1.5, 1.0, 1.0, v2), t)
    auc_po = np.trapezoid(gen.conc_oral_2cmt(t, 10000, 1.5, 1.0, 1.0, v2, 1.5, 0.29), t)
    assert auc_iv == pytest.approx(2000 / 1.5, rel=1e-4)
    assert (auc_po / 10) / (auc_iv / 2) == pytest.approx(0.29, rel=1e-4)


def test_mouse_cmax_inside_seed_range(gen):
    v = gen.mouse_volume()
    cl = v * np.log(2) / 4.0
    t = np.linspace(0, 24, 240001)
    for dose, cmax_um in ((7.5, 3.0), (15.0, 6.0)):  # linear PK: 2 x dose, 2 x Cmax
        c = gen.conc_oral_1cmt(t, dose * 1000, cl, v, 2.0, 0.29) / MW
        assert c.max() == pytest.approx(cmax_um, rel=1e-6)
        assert 1.0 <= c.max() <= 16.0  # seed 000: 1-16 uM at 7.5-15 mg/kg


def test_generator_reproduces_the_files(gen, tmp_path):
    (tmp_path / "send").mkdir()
    gen.main(tmp_path)
    for name in (
        "vistusertib_rat_iv_po.csv",
        "vistusertib_mouse_sparse.csv",
        "vistusertib_rat_iv_po_nonmem.csv",
        "vistusertib_rat_truth.csv",
        "send/rat/pc.csv",
        "send/mouse/ex.csv",
    ):
        assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_example_files_read_and_agree():
    rat = read_study(EXAMPLES / "vistusertib_rat_iv_po.csv")
    assert rat.n_subjects == 6 and len(rat.conc) == 3 * 10 + 3 * 11
    assert set(rat.conc_with_subjects()["group"]) == {"IV 2 mg/kg", "PO 10 mg/kg"}
    assert (rat.conc["lloq"] == 1.0).all()
    assert rat.conc.loc[rat.conc["nominal_time"] == 0, "blq"].all()  # PO pre-dose
    send = read_study(EXAMPLES / "send" / "rat")
    np.testing.assert_allclose(send.conc["conc"], rat.conc["conc"])
    nm = read_study(
        EXAMPLES / "vistusertib_rat_iv_po_nonmem.csv",
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
    )
    assert nm.doses["route"].tolist() == ["iv_bolus"] * 3 + ["extravascular"] * 3
    assert nm.conc["blq"].sum() == rat.conc["blq"].sum()
    mouse = read_study(EXAMPLES / "vistusertib_mouse_sparse.csv")
    assert mouse.n_subjects == 72 and len(mouse.conc) == 72  # one sample per mouse
    per_time = mouse.conc_with_subjects().groupby(["group", "nominal_time"]).size()
    assert (per_time == 3).all() and len(per_time) == 3 * 8
    w = mouse.subjects["weight"]
    assert ((w > 0.017) & (w < 0.025)).all()  # grams in the file, kg in the study
    truth = pd.read_csv(EXAMPLES / "vistusertib_rat_truth.csv")
    assert truth["F"].tolist() == [1, 1, 1, 0.29, 0.29, 0.29]
