"""PK figures, parameter tables and self-contained HTML reports.

Conventions: docs/report.md; NCA summaries (statistic, order, text) come from
:mod:`kinetor.nca.registry` through :mod:`kinetor.nca.summary`. Every plotting function
returns a ``matplotlib.figure.Figure`` and imports matplotlib only when called.

Examples
--------
>>> from kinetor.report import Report, nca_report, plot_half_life
>>> Report("x").figure_count
0
"""

from kinetor.report._common import format_sig
from kinetor.report.diagnostics import plot_half_life, plot_parameter_distribution
from kinetor.report.document import Report, read_table_csv
from kinetor.report.nca_document import build_nca_report, nca_report
from kinetor.report.profiles import (
    mean_profile_table,
    plot_individual,
    plot_mean_profiles,
    plot_spaghetti,
    plot_sparse_profile,
)
from kinetor.report.rebuild import report_from_dir, write_report
from kinetor.report.tables import HALF_LIFE_CODES, order_codes, parameter_listing, summary_table

__all__ = [
    "HALF_LIFE_CODES",
    "Report",
    "build_nca_report",
    "format_sig",
    "mean_profile_table",
    "nca_report",
    "order_codes",
    "parameter_listing",
    "plot_half_life",
    "plot_individual",
    "plot_mean_profiles",
    "plot_parameter_distribution",
    "plot_spaghetti",
    "plot_sparse_profile",
    "read_table_csv",
    "report_from_dir",
    "summary_table",
    "write_report",
]
