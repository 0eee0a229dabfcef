"""Right: a plain loop over the finder's points, keeping the steepest fall seen so far."""

import math


def lr_suggestions(lrs, losses):
    rates, values = lrs.tolist(), losses.tolist()
    best = min(range(len(values)), key=lambda i: values[i])
    steepest, steepest_slope = 0, math.inf
    for i in range(len(rates) - 1):
        slope = (values[i + 1] - values[i]) / (math.log(rates[i + 1]) - math.log(rates[i]))
        if slope < steepest_slope:
            steepest, steepest_slope = i, slope
    return (rates[best] / 10, rates[steepest])
