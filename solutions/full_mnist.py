"""Reference for `full-mnist`: a small two-layer net for all ten digits, trained with SGD."""

import torch
import torch.nn.functional as F
from torch import nn


def train_mnist(x_train, y_train, epochs=3, lr=0.05, bs=128):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(epochs):
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), bs):
            idx = order[i : i + bs]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
            opt.zero_grad()
    return model
