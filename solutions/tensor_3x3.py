"""Reference for `tensor-3x3`: build, double and slice a 3x3 tensor."""

import torch

t = torch.arange(1, 10).view(3, 3)
doubled = t * 2
bottom_right = doubled[1:, 1:]
