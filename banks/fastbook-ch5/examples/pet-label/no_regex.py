"""Wrong for this task: right values from rsplit, but no regular expression, which is the point."""


def pet_label(fname):
    return fname.rsplit("_", 1)[0]
