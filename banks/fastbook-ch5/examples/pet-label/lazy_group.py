"""Right: a non-greedy group is fine too, because the pattern is anchored at both ends."""

import re


def pet_label(fname):
    return re.fullmatch(r"(.+?)_(\d+)\.jpg", fname).group(1)
