"""Reference for `learner-from-scratch`: the chapter's training loop wrapped in a class."""

import torch


class Learner:
    def __init__(self, dls, model, opt_func, loss_func, metric):
        self.train_dl, self.valid_dl = dls
        self.model, self.opt_func = model, opt_func
        self.loss_func, self.metric = loss_func, metric

    def fit(self, epochs, lr):
        opt = self.opt_func(list(self.model.parameters()), lr)
        history = []
        for _ in range(epochs):
            for xb, yb in self.train_dl:
                loss = self.loss_func(self.model(xb), yb)
                loss.backward()
                opt.step()
                opt.zero_grad()
            history.append(self.validate())
        return history

    def validate(self):
        with torch.no_grad():
            scores = [float(self.metric(self.model(xb), yb)) for xb, yb in self.valid_dl]
        return sum(scores) / len(scores)
