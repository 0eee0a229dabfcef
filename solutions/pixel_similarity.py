"""Reference for `pixel-similarity`: classify a 3 or a 7 by its distance to each mean image."""


def mnist_distance(a, b):
    return (a - b).abs().mean((-1, -2))


def is_3(x, mean3, mean7):
    return mnist_distance(x, mean3) < mnist_distance(x, mean7)
