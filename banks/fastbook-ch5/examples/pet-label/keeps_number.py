"""Wrong: strips only the extension, so the breed keeps its number."""

import re


def pet_label(fname):
    return re.sub(r"\.jpg$", "", fname)
