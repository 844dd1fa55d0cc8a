"""Column roles: alias table, units in headers, overrides."""

from kinetor.data.aliases import guess_roles, normalise_name, split_header


def test_header_units_and_suffixes():
    roles, units, problems = guess_roles(
        ["Animal", "Time (h)", "Conc [ng/mL]", "Dose_mg_kg", "weight_kg", "Route", "Grp"]
    )
    assert roles["subject"] == "Animal" and roles["group"] == "Grp"
    assert units == {"time": "h", "conc": "ng/mL", "dose": "mg/kg", "weight": "kg"}
    assert problems == []


def test_alias_priority_and_cdisc_names():
    roles, _, _ = guess_roles(["USUBJID", "ID", "AFRLT", "AVAL", "hours"])
    # 'usubjid' comes before 'id' in the subject aliases; 'afrlt' before 'hours'
    assert roles["subject"] == "USUBJID" and roles["time"] == "AFRLT"
    assert roles["conc"] == "AVAL"


def test_override_and_unknown_override():
    roles, _, problems = guess_roles(["Rat", "T", "Result"], {"subject": "Rat", "conc": "Missing"})
    assert roles["subject"] == "Rat" and roles["time"] == "T"
    assert roles["conc"] == "Result"  # guessed, since the override names no column
    assert len(problems) == 1 and problems[0].column == "Missing"


def test_normalise_and_split():
    assert split_header("Conc (ng/mL)") == ("Conc", "ng/mL")
    assert split_header("Time") == ("Time", None)
    assert normalise_name("Nominal Time (h)") == "nominal_time"
    assert normalise_name("Body-Weight.") == "body_weight"


def test_docs_list_every_alias():
    import re
    from pathlib import Path

    from kinetor.data import ALIASES

    doc = (Path(__file__).parents[2] / "docs" / "data.md").read_text()
    table = doc[doc.index("| role | accepted names") : doc.index("A unit may follow a name")]
    missing = [
        a
        for names in ALIASES.values()
        for a in names
        if not re.search(rf"(?<![\w]){re.escape(a)}(?![\w])", table)
    ]
    assert missing == []
