import torch

t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
doubled = t * 2
bottom_right = doubled[-2:, -2:]
