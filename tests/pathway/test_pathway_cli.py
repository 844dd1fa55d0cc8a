"""``kinetor pathway`` through the real entry point."""

import pandas as pd

from kinetor.cli.main import main


def test_simulate_writes_readouts_and_plot(tmp_path):
    out = tmp_path / "sim"
    assert (
        main(
            [
                "pathway",
                "simulate",
                "--drug",
                "everolimus:10nM",
                "--lesion",
                "PTEN_loss",
                "--hours",
                "24",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    df = pd.read_csv(out / "readouts.csv")
    assert df["time"].iloc[-1] == 24.0 and df["pS6K1_T389"].iloc[-1] < 30
    assert (out / "readouts.png").stat().st_size > 10_000


def test_simulate_with_a_profile_file(tmp_path):
    prof = tmp_path / "pk.csv"
    pd.DataFrame({"time_h": [0, 1, 4, 12], "conc_nM": [0, 500, 200, 20]}).to_csv(prof, index=False)
    assert (
        main(
            [
                "pathway",
                "simulate",
                "--drug",
                f"vistusertib:{prof}",
                "--hours",
                "12",
                "--context",
                "amino_acids=0.5",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )


def test_simulate_with_a_dose_regimen(tmp_path, capsys):
    import numpy as np

    from kinetor.pathway import Network
    from kinetor.pk import SPECIES, polyexponential
    from kinetor.translate.arms import drug_model

    out = tmp_path / "reg"
    assert (
        main(
            [
                "pathway",
                "simulate",
                "--drug",
                "vistusertib:15 mg/kg PO BID x 2 days",
                "--hours",
                "48",
                "--dt",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    exp = pd.read_csv(out / "exposure.csv")
    # the library's mouse set, by hand: unbound course = fu x 1000/MW x total ng/mL
    dm = drug_model("vistusertib", "mouse")
    c = polyexponential(
        dm.model, "15 mg/kg PO BID x 2 days", weight=SPECIES["mouse"]["weight"], mw=dm.mw
    )[0]
    np.testing.assert_allclose(exp["free_conc_nM"], dm.free_factor * c(exp["time_h"]), rtol=1e-12)
    ro = pd.read_csv(out / "readouts.csv")
    direct = Network().simulate({dm.drug: c.scaled(dm.free_factor, "nM")}, t_end=48, dt=1.0)
    np.testing.assert_allclose(ro["pS6_S235_236"], direct.readouts["pS6_S235_236"], rtol=1e-9)
    assert ro["pS6_S235_236"].min() < 80
    assert "exposure.csv" in capsys.readouterr().out
    # a regimen without a length, or a species without a PK set: clear errors, exit 3
    assert (
        main(
            [
                "pathway",
                "simulate",
                "--drug",
                "vistusertib:15 mg/kg PO BID",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 3
    )
    assert "needs a length" in "".join(capsys.readouterr())
    assert (
        main(
            [
                "pathway",
                "simulate",
                "--drug",
                "vistusertib:15 mg/kg PO QD x 2 days",
                "--species",
                "dog",
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 3
    )
    assert "no dog PK parameter set" in "".join(capsys.readouterr())


def test_bad_inputs_exit_3(tmp_path):
    assert main(["pathway", "simulate", "--drug", "nodrug:1nM", "--out", str(tmp_path)]) == 3
    assert main(["pathway", "simulate", "--lesion", "PTEN_lost", "--out", str(tmp_path)]) == 3
    # a concentration without a unit is a usage error of --drug (exit 2), with an example
    assert main(["pathway", "simulate", "--drug", "everolimus:10", "--out", str(tmp_path)]) == 2


def test_calibrate_names_an_unknown_excluded_publication(tmp_path, capsys):
    args = ["pathway", "calibrate", "--exclude-publication", "no_such_paper"]
    assert main([*args, "--out", str(tmp_path / "c")]) == 3
    assert "unknown publication_id 'no_such_paper'" in "".join(capsys.readouterr())


def test_export_and_dose_response(tmp_path):
    sbml = tmp_path / "model.xml"
    assert main(["pathway", "export", "--out", str(sbml)]) == 0
    assert "identifiers.org/uniprot" in sbml.read_text()
    assert (
        main(
            [
                "pathway",
                "dose-response",
                "--drug",
                "vistusertib",
                "--n",
                "9",
                "--out",
                str(tmp_path / "dr"),
            ]
        )
        == 0
    )
    fits = pd.read_csv(tmp_path / "dr" / "ic50.csv").set_index("readout")
    assert 30 < fits.loc["pAKT_S473", "ic50_nM"] < 200


def test_calibrate_writes_a_fitted_file_the_network_reads(tmp_path):
    from kinetor.pathway import Network
    from kinetor.pathway.calibration import FREE_PARAMETERS_FILE, TARGETS_FILE

    t = pd.read_csv(TARGETS_FILE, keep_default_na=False)
    t = t[t["id"].isin(["rapa_s6k_down", "tsc2_rapa", "pten_akt_basal"])].copy()
    t.loc[t["id"] == "pten_akt_basal", "set"] = "holdout"  # a user's own split
    t.to_csv(tmp_path / "t.csv", index=False)
    f = pd.read_csv(FREE_PARAMETERS_FILE, comment="#")
    f[f["name"] == "rapalog_shift"].to_csv(tmp_path / "f.csv", index=False)
    assert (
        main(
            [
                "pathway",
                "calibrate",
                "--targets",
                str(tmp_path / "t.csv"),
                "--free",
                str(tmp_path / "f.csv"),
                "--max-nfev",
                "3",
                "--cross-validate",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 0
    )
    rep = pd.read_csv(tmp_path / "c" / "calibration_report.csv")
    assert list(rep["set"]) == ["fit", "holdout", "fit"]  # targets-file order
    # leave-one-out over the two fit targets: each fold fitted on the other one only
    cv = pd.read_csv(tmp_path / "c" / "cross_validation.csv")
    assert list(cv["id"]) == ["rapa_s6k_down", "tsc2_rapa"]
    assert {"model_left_out", "met_left_out", "fold.rapalog_shift"} <= set(cv.columns)
    assert (tmp_path / "c" / "report.html").is_file()
    net = Network(fitted=tmp_path / "c" / "fitted_parameters.csv")
    assert 0.01 <= net.engine.defaults["rapalog_shift"] <= 1


def test_drugs_lists_every_compound_with_its_basis_or_reason(tmp_path):
    from kinetor import compounds

    assert main(["pathway", "drugs", "--out", str(tmp_path / "d")]) == 0
    df = pd.read_csv(tmp_path / "d" / "drugs.csv")
    assert set(df["compound"]) == {c.name for c in compounds.load_library()}
    octreo = df[df["compound"] == "octreotide"].iloc[0]
    assert "SSTR" in octreo["source_or_reason"] and pd.isna(octreo["K_cell_nM"])
    vist = df[df["compound"] == "vistusertib"].iloc[0]
    assert vist["basis"] == "cellular" and vist["K_cell_nM"] == 80.0
    conj = df[df["compound"] == "wortmannin-rapamycin-7c"]
    assert list(conj["mechanism"]) == ["rapalog", "pi3k_covalent"]


def test_validate_writes_tables_and_a_report_with_one_plot_per_observation(tmp_path):
    assert main(["pathway", "validate", "--out", str(tmp_path / "v")]) == 0
    d = tmp_path / "v"
    table = pd.read_csv(d / "validation.csv")
    summ = pd.read_csv(d / "summary.csv")
    assert list(summ["split"].unique()) == ["train", "heldout"]
    assert set(summ["conditions"]) == {"all", "stated", "rule"}
    assert {"pass_rate", "rmse_log10", "simulable", "unsimulable", "unverified"} <= set(summ)
    by_pub = pd.read_csv(d / "by_publication.csv", keep_default_na=False)
    assert {"publication_id", "simulable", "passed", "pass_rate", "missed"} <= set(by_pub)
    for split in ("train", "heldout"):
        all_row = summ[(summ["split"] == split) & (summ["conditions"] == "all")].iloc[0]
        assert by_pub.loc[by_pub["split"] == split, "passed"].sum() == all_row["passed"]
    by_part = pd.read_csv(d / "by_part.csv")
    assert by_part["passed"].sum() == summ.loc[summ["conditions"] == "all", "passed"].sum()
    unsim = pd.read_csv(d / "unsimulable.csv")
    assert len(unsim) == int((~table["simulable"]).sum()) and unsim["reason"].notna().all()
    import json

    manifest = json.loads((d / "report.json").read_text())
    # one plot per simulated observation (training and held-out)
    assert manifest["figure_count"] == int(table["simulable"].sum())
    html = (d / "report.html").read_text()
    assert "pass rates and RMSE by publication" in html
    assert "the blind parts together" in html
    assert main(["pathway", "validate", "--split", "maybe", "--out", str(tmp_path / "x")]) != 0


def test_calibrate_on_training_rows_with_a_tiny_budget(tmp_path):
    assert (
        main(
            [
                "pathway",
                "calibrate",
                "--starts",
                "2",
                "--jobs",
                "1",
                "--max-nfev",
                "1",
                # the profile likelihoods are tested on one publication
                # (test_pathway_calibration_evidence.py); here they cost minutes
                "--no-profile",
                "--out",
                str(tmp_path / "c"),
            ]
        )
        == 4  # nothing converged (one evaluation per start): exit 4, files written
    )
    d = tmp_path / "c"
    # held-out rows are not judged unless asked (--with-heldout): a fit is kept or dropped
    # on its training results first
    assert set(pd.read_csv(d / "validation.csv")["split"]) == {"train"}
    assert set(pd.read_csv(d / "summary.csv")["split"]) == {"train"}
    par = pd.read_csv(d / "parameters.csv")
    assert {
        "name",
        "prior",
        "value",
        "se_log10",
        "spread_log10",
        "identifiable",
        "at_bound",
        "note",
    } <= set(par.columns)
    starts = pd.read_csv(d / "starts.csv")
    assert len(starts) == 2 and {"cost", "converged", "reason"} <= set(starts.columns)
    head = (d / "fitted_parameters.csv").read_text().splitlines()[1]
    assert "converged=False" in head  # one evaluation per start cannot converge, and says so
    summary = pd.read_csv(d / "calibration.csv")
    assert not summary["converged"].iloc[0]
    assert "NOT CONVERGED" in summary["reason"].iloc[0] and "max_nfev" in summary["reason"].iloc[0]
    assert "1e-06" in summary["criterion"].iloc[0]
    # every candidate is fitted or fixed at its mtor.ant value, and says why
    fixed = par[par["status"] == "fixed at prior"]
    assert (fixed["value"] == fixed["prior"]).all()
    assert par["note"].str.len().gt(20).all()
    assert fixed["note"].str.contains("identifiable|uninformed|standard error").all()
    assert (~par["at_bound"] | par["note"].str.contains("BOUND")).all()
    assert "report.html" in {p.name for p in d.iterdir()}
    from kinetor.pathway import Network

    Network(fitted=d / "fitted_parameters.csv").steady_state()


def test_calibrate_with_heldout_also_judges_the_held_out_rows(tmp_path):
    from kinetor.pathway.calibration.evidence import EVIDENCE_PARAMETERS_FILE

    f = pd.read_csv(EVIDENCE_PARAMETERS_FILE, comment="#")
    f[f["name"] == "rapalog_shift"].to_csv(tmp_path / "f.csv", index=False)
    args = ["pathway", "calibrate", "--free", str(tmp_path / "f.csv"), "--starts", "1"]
    args += ["--jobs", "1", "--max-nfev", "1", "--no-profile", "--with-heldout"]
    assert main([*args, "--out", str(tmp_path / "c")]) == 4  # not converged, files written
    summ = pd.read_csv(tmp_path / "c" / "summary.csv")
    assert list(summ["split"].unique()) == ["train", "heldout"]
    assert set(pd.read_csv(tmp_path / "c" / "validation.csv")["split"]) == {"train", "heldout"}


def test_calibrate_with_outputs_frees_the_14_output_constants(tmp_path):
    from kinetor.pathway._model import prior_parameters
    from kinetor.pathway.calibration.evidence import (
        EVIDENCE_PARAMETERS_FILE,
        load_evidence_parameters,
    )

    outputs = {"w_tr", "w_mnk", "w_rsk_tr", "K_tr", "w_erk_g1", "w_er_g1", "g1_basal"}
    outputs |= {"K_g1", "K_surv", "w_rsk_surv", "apo_max", "apo_basal", "w_foxo_apo", "K_apo"}
    both = load_evidence_parameters(with_outputs=True)
    base = load_evidence_parameters()
    assert list(both["name"][: len(base)]) == list(base["name"])
    assert set(both["name"][len(base) :]) == outputs and both["name"].is_unique
    priors = prior_parameters()
    for _, r in both[both["name"].isin(outputs)].iterrows():  # one decade around the prior
        assert r["lower"] < priors[r["name"]] < r["upper"] and r["upper"] / r["lower"] <= 100
    f = pd.read_csv(EVIDENCE_PARAMETERS_FILE, comment="#")
    f[f["name"] == "rapalog_shift"].to_csv(tmp_path / "f.csv", index=False)
    args = ["pathway", "calibrate", "--free", str(tmp_path / "f.csv"), "--with-outputs"]
    args += ["--starts", "1", "--jobs", "1", "--max-nfev", "1", "--no-profile"]
    assert main([*args, "--out", str(tmp_path / "c")]) == 4  # not converged, files written
    par = pd.read_csv(tmp_path / "c" / "parameters.csv")
    assert set(par["name"]) == outputs | {"rapalog_shift"}
