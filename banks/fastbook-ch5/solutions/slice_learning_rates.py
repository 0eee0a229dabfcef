"""Reference for `lrs_from_slice`: the learning rate of each parameter group, as fastai sets it.

fastai's rule (`_BaseOptimizer.set_hyper` in fastai/optimizer.py, with fastcore's
`even_mults`): a number is every group's rate; `slice(stop)` gives stop/10 to every group but
the last, which gets stop; `slice(start, stop)` spreads the rates from start to stop so that
each is the one before times the same factor.
"""


def lrs_from_slice(lr, n_groups):
    if not isinstance(lr, slice):
        return [float(lr)] * n_groups
    if not lr.start:  # fastai tests the start for truth, so slice(0, stop) reads as slice(stop)
        return [lr.stop / 10] * (n_groups - 1) + [float(lr.stop)]
    if n_groups == 1:
        return [float(lr.stop)]
    factor = (lr.stop / lr.start) ** (1 / (n_groups - 1))
    return [lr.start * factor**i for i in range(n_groups)]
