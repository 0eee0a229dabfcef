"""Reference for `pet_label`: the breed is everything before the last `_<digits>.jpg`."""

import re

# Greedy (.+) runs as far as it can, so it stops only at the last underscore that is
# followed by digits and the extension: multi-word breeds keep their inner underscores.
PET_NAME = re.compile(r"^(.+)_\d+\.jpg$")


def pet_label(fname):
    return PET_NAME.match(fname).group(1)
