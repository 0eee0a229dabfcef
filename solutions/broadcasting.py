"""Reference for `broadcasting`: subtract each column's mean with one tensor expression."""


def center_columns(m):
    return m - m.mean(dim=0)
