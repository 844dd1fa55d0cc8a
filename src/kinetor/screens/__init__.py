"""Pooled CRISPR/shRNA screens: counting, QC, hit calling (MAGeCK-compatible), MLE, network.

The chain follows MAGeCK (Li et al. 2014, Genome Biol 15:554, doi:10.1186/s13059-014-0554-4;
Li et al. 2015, Genome Biol 16:281, doi:10.1186/s13059-015-0843-6): read or count a table,
normalise, test guides with a negative-binomial mean-variance model, aggregate genes with
robust rank aggregation, and write MAGeCK's ``gene_summary``/``sgrna_summary`` layouts.
See docs/screens.md.

Examples
--------
>>> import kinetor.screens as ks
>>> 'screen_test' in ks.__all__
True
"""

from kinetor.screens.count import CountResult, count_fastq, reverse_complement
from kinetor.screens.guides import bh_fdr, guide_test, mean_variance_fit
from kinetor.screens.hits import ScreenTest, screen_test
from kinetor.screens.io import (
    CountTable,
    check_library,
    read_counts,
    read_design,
    read_gene_list,
    read_library,
)
from kinetor.screens.mle_model import MLEResult, mle
from kinetor.screens.mle_perm import cnv_correct, read_cnv
from kinetor.screens.network import compare_hits, map_genes, simulate_knockdowns
from kinetor.screens.normalize import normalize_counts, size_factors
from kinetor.screens.qc import ScreenQC, gini, screen_qc
from kinetor.screens.rank_aggregation import lo_values, rra

__all__ = [
    "CountResult",
    "CountTable",
    "MLEResult",
    "ScreenQC",
    "ScreenTest",
    "bh_fdr",
    "check_library",
    "cnv_correct",
    "compare_hits",
    "count_fastq",
    "gini",
    "guide_test",
    "lo_values",
    "map_genes",
    "mean_variance_fit",
    "mle",
    "normalize_counts",
    "read_cnv",
    "read_counts",
    "read_design",
    "read_gene_list",
    "read_library",
    "reverse_complement",
    "rra",
    "screen_qc",
    "screen_test",
    "simulate_knockdowns",
    "size_factors",
]
