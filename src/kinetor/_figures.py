"""Figures that user text cannot break.

Subject, group and arm names reach axis labels, legends and titles. Matplotlib reads text
between ``$`` signs as mathtext, so a subject called ``$\\foo$`` made saving a figure raise.
:func:`literal_user_text` switches mathtext off for every text in a figure that is not
valid mathtext (kinetor's own labels such as ``mm$^3$`` stay typeset) and is called before
any kinetor figure is saved. It changes the figure's text objects only, never the user's
matplotlib settings.

>>> from matplotlib.figure import Figure
>>> fig = Figure()
>>> ax = fig.subplots()
>>> _ = ax.set_title("animal $\\\\foo$")
>>> _ = ax.set_ylabel("volume (mm$^3$)")
>>> literal_user_text(fig)
1
>>> ax.title.get_parse_math(), ax.yaxis.label.get_parse_math()
(False, True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["literal_user_text"]


def literal_user_text(fig: Any) -> int:
    """Turn mathtext off for the texts of ``fig`` that are not valid mathtext; returns how
    many were changed."""
    from matplotlib.mathtext import MathTextParser
    from matplotlib.text import Text

    parser = MathTextParser("path")
    changed = 0
    for text in fig.findobj(Text):
        s = text.get_text()
        if "$" not in s or not text.get_parse_math():
            continue
        try:
            parser.parse(s)
        except ValueError:
            text.set_parse_math(False)
            changed += 1
    return changed
