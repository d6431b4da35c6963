"""Fay: pads with out[:, :, p:-p, p:-p] = x, which is an empty slice when p == 0. Her conv2d
calls that pad2d, so it breaks without padding too."""

# %% pad2d
def pad2d(x, padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    out[:, :, ph:-ph, pw:-pw] = x
    return out

# %% conv_output_size
def conv_output_size(input_size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    room = input_size + 2 * padding - span
    if room < 0 or room % stride:
        raise ValueError(f"input {input_size} and kernel {kernel_size} do not fit")
    return room // stride + 1

# %% conv2d
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    xp = pad2d(x, padding)
    N, C, Hp, Wp = xp.shape
    F, _, kH, kW = w.shape
    H_out = (Hp - dilation * (kH - 1) - 1) // stride + 1
    W_out = (Wp - dilation * (kW - 1) - 1) // stride + 1
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w))
    for u in range(kH):
        for v in range(kW):
            patch = xp[:, :, u * dilation:u * dilation + stride * (H_out - 1) + 1:stride,
                       v * dilation:v * dilation + stride * (W_out - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, u, v])
    if b is not None:
        out += b[None, :, None, None]
    return out
