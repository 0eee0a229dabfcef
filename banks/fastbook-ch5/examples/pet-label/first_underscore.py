"""Wrong: [^_]+ cannot cross an underscore, so the match stops at the first one.

Right for one-word breeds such as boxer_188.jpg; great_pyrenees_173.jpg gives "great"."""

import re


def pet_label(fname):
    return re.match(r"([^_]+)_", fname).group(1)
