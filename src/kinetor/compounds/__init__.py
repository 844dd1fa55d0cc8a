"""The compound library as cited data.

One TOML file per compound under ``compounds/data/`` (validated at load), each value with
its source and status; the seeds' clinical tables in ``data/clinical_trials.csv``. See
docs/compounds.md for the schema, the status vocabulary and the assumption sets.

Examples
--------
>>> import kinetor as kt
>>> c = kt.compounds.get("AZD2014")
>>> c.name, c.drug_class, round(c.mw, 2)
('vistusertib', 'tor_kinase_inhibitor', 462.55)
>>> kt.compounds.get("rad001").pathway_mechanism
'rapalog'
"""

from kinetor.compounds.checks import check_compound, check_library, formula_weight
from kinetor.compounds.clinical_trials import load_trials, trials
from kinetor.compounds.compound import Compound, parse_compound
from kinetor.compounds.library import (
    DATA_DIR,
    Library,
    UnknownCompoundError,
    get,
    list_compounds,
    load_library,
    parse_toml,
    search,
)
from kinetor.compounds.schema import Value

get_compound = get
# the documented API name, kt.compounds.list(); kept out of __all__ so that a star import
# never shadows the builtin
list = list_compounds

__all__ = [
    "DATA_DIR",
    "Compound",
    "Library",
    "UnknownCompoundError",
    "Value",
    "check_compound",
    "check_library",
    "formula_weight",
    "get",
    "get_compound",
    "list_compounds",
    "load_library",
    "load_trials",
    "parse_compound",
    "parse_toml",
    "search",
    "trials",
]
