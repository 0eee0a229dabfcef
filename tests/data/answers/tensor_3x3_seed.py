import torch

t = torch.arange(1, 9).view(3, 3)
doubled = t * 2
bottom_right = doubled[:1][:1]
