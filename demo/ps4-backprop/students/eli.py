"""Eli: the numerical gradient uses a forward difference (f(x + h) - f(x)) / h. The rest is correct."""

# %% numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    """Central differences on a float copy of x."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old
        down = f(x)
        grad[i] = (up - down) / h
    return grad
