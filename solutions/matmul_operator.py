"""Reference for `matmul-operator`: a linear layer written with @."""


def linear1(xb, weights, bias):
    return xb @ weights + bias
