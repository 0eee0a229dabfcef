def double_odds(nums):
    return [n * 2 for n in nums if n % 2 != 0]
