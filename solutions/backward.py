"""Reference for `backward`: let autograd find the gradient of (x**2).sum()."""


def square_sum_grad(x):
    x = x.detach().clone().requires_grad_()
    (x**2).sum().backward()
    return x.grad
