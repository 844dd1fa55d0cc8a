"""``kinetor.compounds.get`` with a name the library does not hold: a KinetorError (a
ModelError, still a KeyError for older callers) with the closest names."""

import pytest

import kinetor.compounds as kc
from kinetor.errors import KinetorError, ModelError


def test_an_unknown_name_is_a_model_error_with_the_close_names():
    with pytest.raises(ModelError, match="did you mean vistusertib"):
        kc.get("vistusertb")


def test_an_unknown_name_without_a_close_one_says_where_the_names_are():
    with pytest.raises(KinetorError, match=r"no compound 'xx' in the library; no close name"):
        kc.get("xx")


def test_the_error_is_still_a_key_error_with_a_plain_message():
    with pytest.raises(KeyError) as err:
        kc.get("xx")
    assert str(err.value).startswith("no compound 'xx'")  # not KeyError's quoted repr


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(ModelError, match="a compound name must be text, got 5"):
        kc.get(5)
