"""Reference for `lr_suggestions`: the learning rate finder's two rules of thumb, computed.

fastai's `minimum` and `steep` suggestions (fastai/callback/schedule.py) do the same: the rate
at the lowest loss divided by 10, and the rate where the loss falls fastest against log(lr).
"""


def lr_suggestions(lrs, losses):
    lr_min = lrs[losses.argmin()].item() / 10
    # The plot's x axis is logarithmic, so "steepest" is the slope against log(lr).
    slopes = (losses[1:] - losses[:-1]) / (lrs[1:].log() - lrs[:-1].log())
    lr_steep = lrs[slopes.argmin()].item()
    return (lr_min, lr_steep)
