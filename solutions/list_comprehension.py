"""Reference for `list-comprehension`: the odd numbers, doubled, in one comprehension."""


def double_odds(nums):
    return [2 * n for n in nums if n % 2 == 1]
