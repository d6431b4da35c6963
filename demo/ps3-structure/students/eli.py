"""Eli: conv_flops adds one FLOP per output for the bias on top of 2 * MACs; the rest is
right."""

# %% conv_flops
def conv_flops(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=True):
    C, H, W = input_shape
    if isinstance(kernel_size, int):
        kH = kW = kernel_size
    else:
        kH, kW = kernel_size
    OH = (H + 2 * padding - kH) // stride + 1
    OW = (W + 2 * padding - kW) // stride + 1
    outputs = out_channels * OH * OW
    macs = outputs * (C // groups) * kH * kW
    flops = 2 * macs + outputs if bias else 2 * macs  # one more addition per output for the bias
    return macs, flops
