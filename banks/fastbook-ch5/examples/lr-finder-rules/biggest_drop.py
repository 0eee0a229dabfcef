"""Wrong: takes the biggest drop between neighbouring points as the steepest point.

Right whenever the rates are evenly spaced on a log scale, as lr_find's are, since every
step of log(lr) is then the same size."""


def lr_suggestions(lrs, losses):
    return (lrs[losses.argmin()].item() / 10, lrs[losses.diff().argmin()].item())
