"""Right: both rules with whole-tensor operations, the slope taken against log(lr)."""


def lr_suggestions(lrs, losses):
    lr_min = float(lrs[losses.argmin()]) / 10
    slopes = losses.diff() / lrs.log().diff()
    return (lr_min, float(lrs[slopes.argmin()]))
