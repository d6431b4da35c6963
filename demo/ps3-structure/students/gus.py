"""Gus: separable_savings uses integer division and returns 0; the rest is right."""

# %% separable_savings
def separable_savings(C_in, C_out, k):
    return 1 // C_out + 1 // k ** 2
