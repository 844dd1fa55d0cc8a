"""Session-wide fixtures, the test tiers and the hypothesis profile.

Tiers: ``make test`` runs everything (the files holding slow tests first); ``make test-fast``
runs ``-m "not slow"``. A test is
slow when it is marked ``@pytest.mark.slow`` in its file, or when its id is listed in
``SLOW`` below: tests measured with ``pytest --durations`` at 1 s or more on the shared
2-core machine under load (about 0.3 s or more on a quiet one), kept here so that the
mark does not have to touch files other work is editing. ``SLOW`` entries are node-id
prefixes: a file, a test, or a parametrised test without its brackets
(``tests/test_structure.py`` checks that each still names a test).
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# No timed assertions: hypothesis's per-example deadline (200 ms) fails tests on a busy
# machine, so it is off unless a test sets its own.
settings.register_profile("kinetor", deadline=None)
settings.load_profile("kinetor")

SLOW: tuple[str, ...] = (
    # the flagship demo (one run per session, shared by these tests) and the README tour
    "tests/test_demo.py",
    "tests/test_readme.py",
    # whole files: CLI runs, report builds, network compilation and cache, property tests
    "tests/report/test_report_nca.py",
    "tests/pathway/test_pathway_cache.py",
    "tests/nca/test_nca_properties.py",
    "tests/assays/test_assay_cli.py",
    "tests/pathway/test_pathway_course.py",
    "tests/pathway/test_pathway_cli.py",
    "tests/pathway/test_pathway_calibration_evidence.py",
    "tests/nca/test_nca_cli.py",
    "tests/translate/test_translate_cli.py",
    # pk fits over simulated studies (coverage of CIs, M3 over heavy BLQ), round trips
    "tests/pk/test_pk_fit.py::test_wls_confidence_intervals_cover_at_the_nominal_rate",
    "tests/pk/test_pk_fit.py::test_m3_reduces_bias_of_naive_pooled_fits_with_heavy_blq",
    "tests/pk/test_pk_fit.py::test_iv_only_profiles_do_not_estimate_ka_with_an_oral_model",
    "tests/pk/test_pk_fit.py::test_individual_fits_from_a_study_with_blq",
    "tests/pk/test_pk_fit_diagnostics.py::test_every_failure_is_reported_in_every_table",
    "tests/pk/test_pk_cli.py::test_simulate_pk_writes_tidy_csvs",
    "tests/pk/test_pk_cli.py::test_fit_writes_parameters_and_predictions",
    "tests/data/test_data_writers.py::test_round_trip_property",
    "tests/pk/test_pk_regimen.py::test_round_trip_property",
    # single tests measured at 1 s or more (under load, 2 shared cores)
    "src/kinetor/_figures.py::kinetor._figures",
    "src/kinetor/report/nca_document.py::kinetor.report.nca_document",
    "src/kinetor/report/nca_document.py::kinetor.report.nca_document.nca_report",
    "src/kinetor/screens/count.py::kinetor.screens.count",
    "src/kinetor/screens/hits.py::kinetor.screens.hits",
    "tests/adme/test_adme_cli.py::test_excretion_cli",
    "tests/adme/test_adme_excretion.py::test_mass_balance_invariants",
    "tests/adme/test_adme_exposure.py::test_vectorised_equals_single",
    "tests/be/test_be.py::test_cli_be_and_friends",
    "tests/bioanalysis/test_bioanalysis_cli.py::test_cli_writes_all_tables",
    "tests/compounds/test_compounds_cli.py::test_list_show_check_exit_zero",
    "tests/nca/test_nca_cli_controls.py::test_lambda_z_range_with_integer_ids_and_unknown_ids",
    "tests/nca/test_nca_cli_controls.py::test_route_map_and_sheet",
    "tests/nca/test_nca_nominal.py::test_report_says_why_there_is_no_mean_profile",
    "tests/nca/test_nca_outputs.py::test_excel_workbook_has_one_sheet_per_table",
    "tests/nca/test_nca_study_report.py::test_cli_json_carries_results_and_axis_label",
    "tests/pathway/test_pathway_analysis.py::test_parallel_scan_equals_serial",
    "tests/pathway/test_pathway_model.py::test_fitted_values_are_applied_and_priors_parsed",
    "tests/pathway/test_pathway_model.py::test_sbml_round_trips_through_libroadrunner",
    "tests/pathway/test_pathway_model.py::test_the_ant_file_alone_is_a_loadable_model",
    "tests/pathway/test_pathway_network.py::test_piecewise_linear_input_matches_an_analytic_ramp",
    "tests/pd/test_pd_cli.py::test_pd_fit_command",
    "tests/pd/test_pd_cli.py::test_tgi_command_writes_tables_and_plot",
    "tests/pd/test_pd_fit.py::test_per_animal_fits_are_vectorised_and_equal_to_single_fits",
    "tests/pd/test_pd_fit.py::test_standard_errors_match_the_spread_of_replicate_fits",
    "tests/pk/test_pk_closed_form.py::test_superposition_and_dose_linearity",
    "tests/qsar/test_cliffs.py::test_levenshtein_by_hand",
    "tests/qsar/test_cliffs.py::test_potency_gap_must_exceed_tenfold",
    "tests/qsar/test_models.py::test_metrics_by_hand",
    "tests/report/test_report_hostile.py::test_a_figure_beyond_axis_range_is_replaced_by_a_note",
    "tests/screens/test_count.py::test_exact_mismatch_n_and_short_reads",
    "tests/screens/test_hits.py::test_normalised_counts_match_mageck",
    "tests/test_cli_hostile.py::test_a_closed_pipe_ends_quietly",
    "tests/test_cli_hostile.py::test_excel_workbook_stores_formula_like_ids_as_text",
    "tests/test_cli_hostile.py::test_mathtext_in_group_names_does_not_break_figures",
    "tests/test_cli_hostile.py::test_nca_report_figures_are_bounded",
    "tests/test_cli_reports.py::test_command_writes_an_html_report",
    "tests/test_fuzz_input.py::test_study_reader_accounts_for_every_row_or_names_the_problem",
    "tests/translate/test_translate_design.py::test_intermittent_needs_a_higher_dose",
    "tests/translate/test_translate_design.py::test_split_daily_dose_needs_less_in_total",
    "tests/translate/test_translate_response.py::test_study_with_kill_regresses_at_high_dose",
    "tests/translate/test_translate_scan.py::test_local_processes_give_the_same_answer",
    # the executor's process-pool and Dask backends (start-up of loky workers, a LocalCluster)
    "tests/numerics/test_numerics_executor.py::test_errors_keep_their_type_and_name_the_piece",
    "tests/numerics/test_numerics_executor.py::test_a_dead_worker_is_a_model_error",
    "tests/numerics/test_numerics_executor.py::test_processes_initialise_each_worker_once_and_match_serial",
    "tests/numerics/test_numerics_executor.py::test_dask_cluster_gives_the_serial_answer",
    "tests/pathway/test_pathway_analysis.py::test_dask_scan_equals_serial",
    "tests/pathway/test_pathway_calibration_parallel.py",
    "tests/translate/test_translate_options.py::test_objects_and_keywords_give_the_same_study",
    "tests/translate/test_translate_options.py::test_a_study_uses_the_cache_its_network_options_own",
    "tests/translate/test_translate_scan.py::test_scan_grid_and_common_random_numbers",
    "tests/translate/test_translate_signaling.py::test_combination_occupancies_compose_and_zero_partner_changes_nothing",
    "tests/translate/test_translate_study.py::test_plots_and_save",
    "src/kinetor/popfit/fit.py::kinetor.popfit.fit",
    "src/kinetor/qsar/models.py::kinetor.qsar.models",
    "src/kinetor/qsar/dual_screen.py::kinetor.qsar.dual_screen",
    "src/kinetor/report/diagnostics.py::kinetor.report.diagnostics.plot_parameter_distribution",
    "src/kinetor/translate/window.py::kinetor.translate.window",
    "tests/adme/test_adme_binding.py::test_dilution_round_trip",
    "tests/adme/test_adme_cli.py::test_binding_cli",
    "tests/assays/test_doseresponse.py::test_wald_and_profile_intervals",
    "tests/assays/test_plates.py::test_read_excel_plate",
    "tests/assays/test_synergy.py::test_musyc_recovers_known_potency_and_cooperativity",
    "tests/assays/test_western.py::test_a_saturated_lane_does_not_bias_the_others",
    "tests/bioanalysis/test_bioanalysis_run.py::test_write_outputs",
    "tests/compounds/test_compounds_cli.py::test_check_out_writes_csv",
    "tests/compounds/test_compounds_cli.py::test_show_unknown_compound_is_rejected",
    "tests/nca/test_nca_blq_lloq.py::test_mean_with_more_than_half_blq_is_reported_as_blq_and_not_plotted",
    "tests/nca/test_nca_cli_controls.py::test_urine_from_a_file_and_the_cli",
    "tests/nca/test_nca_result.py::test_kt_nca_is_callable_whatever_the_import_order",
    "tests/pd/test_pd_fit.py::test_idr_fit_with_exposure",
    "tests/pd/test_pd_fit.py::test_no_drug_effect_without_exposure_in_a_group",
    "tests/pd/test_pd_fit.py::test_simeoni_pooled_fit_recovers_the_published_parameters",
    "tests/pd/test_pd_tgi.py::test_tgi_does_not_depend_on_the_volume_unit",
    "tests/pk/test_pk_fit.py::test_michaelis_menten_fit_through_the_ode_path",
    "tests/pk/test_pk_fit_diagnostics.py::test_a_profile_the_model_cannot_describe_is_not_converged",
    "tests/pk/test_pk_fit_diagnostics.py::test_v_and_f_both_free_are_not_identified",
    "tests/qsar/test_splits.py::test_folds_balanced_and_reproducible",
    "tests/qsar/test_splits.py::test_no_group_crosses_folds",
    "tests/test_cli_hostile.py::test_regimens_and_lengths_beyond_reason_are_refused_quickly",
    "tests/test_cli_main.py::test_entry_point_script_runs",
    "tests/translate/test_translate_evidence.py::test_library_names_resolve_synonyms",
    "tests/translate/test_translate_scan.py::test_dask_cluster_scan_and_dynamic_study",
    "tests/translate/test_translate_signaling.py::test_dynamic_combination_integrates_both_exact_courses",
    "tests/translate/test_translate_study.py::test_tgi_monotone_in_dose_property",
    # measured with --durations at 1 s or more in the fast tier (2 shared cores, load 4-6):
    # whole CLI runs with reports, a compiled kernel, server and process-pool tests
    "tests/nca/test_nca_outputs.py::test_acceptance_flags_are_columns_of_every_output_table",
    "tests/nca/test_nca_summary_registry.py::test_the_full_report_takes_its_summary_from_the_result",
    "src/kinetor/qsar/cliffs.py::kinetor.qsar.cliffs",
    "tests/web/test_web_security.py::test_users_and_csrf",
    "tests/web/test_web_security.py::test_upload_limit_and_cross_site_websocket",
    "tests/store/test_store_cli.py::test_nca_saves_to_store_and_store_commands",
    "tests/store/test_store_concurrency.py::test_processes_lose_nothing",
    "tests/pk/test_pk_closed_form.py::test_numba_kernel_equals_numpy",
    "tests/translate/test_translate_invivo.py::test_network_c50_is_where_the_readout_crosses_half_of_control",
    "tests/assays/test_colonies.py::test_colonies_cli_writes_counts_and_clonogenic_input",
    "tests/pathway/test_pathway_network.py::test_total_protein_is_conserved",
    # and at 1 s or more in a second fast-tier run (load 10-12)
    "tests/be/test_be.py::test_ema_data_set_I_method_a_abel",
    "tests/pd/test_pd_tumor.py::test_more_drug_never_gives_a_bigger_tumour",
    "tests/qsar/test_models.py::test_predictor_featurises_queries_with_its_own_fingerprints",
    "tests/translate/test_translate_signaling.py::test_table_matches_direct_steady_states_off_grid",
    "tests/pk/test_pk_fit.py::test_naive_pooled_fit_of_a_sparse_study",
    "tests/assays/test_colonies.py::test_counts_equal_the_planted_colonies",
    "tests/data/test_data_values.py::test_duration_round_trip",
    "tests/translate/test_translate_design.py::test_unreachable_efficacy_is_nan_with_reason",
)


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        try:
            rel = Path(str(item.path)).relative_to(root).as_posix()
        except ValueError:
            continue
        node = rel + item.nodeid[item.nodeid.find("::") :] if "::" in item.nodeid else rel
        base = node.split("[", 1)[0]
        if any(base == s or base.startswith(s + "::") or rel == s for s in SLOW):
            item.add_marker(pytest.mark.slow)
    _slow_files_first(items)


def _slow_files_first(items: list) -> None:
    """Run the files holding slow tests first, each file's tests kept together and in order.

    With ``-n 2 --dist worksteal`` (``make test``) the long tests start early and the fast
    ones fill the end, so one core is not left idle behind a 30 s test that started last.
    The order of files within each group is unchanged (a stable sort).
    """
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)


@dataclass(frozen=True)
class DemoRun:
    """One ``kinetor --json demo`` run: its output folder, JSON payload and exit code."""

    out: Path
    payload: dict
    code: int


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """The demo, run once per test session through the real CLI (``--json``)."""
    from kinetor.cli.main import main

    out = tmp_path_factory.mktemp("demo")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["--json", "demo", "--out", str(out)])
    text = buffer.getvalue()
    return DemoRun(out=out, payload=json.loads(text) if code == 0 else {}, code=code)
