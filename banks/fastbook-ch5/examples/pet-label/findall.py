"""Right: the chapter's approach, re.findall with a greedy group before _<digits>.jpg."""

import re


def pet_label(fname):
    return re.findall(r"(.+)_\d+\.jpg$", fname)[0]
