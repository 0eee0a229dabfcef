"""Wrong: suggests the rate at the lowest loss itself, not one order of magnitude less."""


def lr_suggestions(lrs, losses):
    slopes = losses.diff() / lrs.log().diff()
    return (lrs[losses.argmin()].item(), lrs[slopes.argmin()].item())
