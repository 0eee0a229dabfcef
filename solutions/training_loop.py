"""Reference for `training-loop`: one epoch of mini-batch SGD."""


def train_epoch(model, dl, opt, loss_func):
    for xb, yb in dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
