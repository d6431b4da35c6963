"""Dara: dx is computed as a full cross-correlation of the (dilated) upstream gradient with the
kernel as it is, forgetting to turn the kernel by 180 degrees. The rest is correct."""

# %% conv2d_backward
def conv2d_backward(dout, x, w, stride=1, padding=0):
    """dw as a valid correlation of x with dout; dx as a full correlation of the dilated dout."""
    s, p = stride, padding
    N, C, H, W = x.shape
    O, _, kH, kW = w.shape
    Ho, Wo = dout.shape[2:]
    dtype = np.result_type(dout, x, w)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).astype(dtype)
    dw = np.zeros(w.shape, dtype=dtype)
    for u in range(kH):
        for v in range(kW):
            patch = xp[:, :, u:u + s * (Ho - 1) + 1:s, v:v + s * (Wo - 1) + 1:s]
            dw[:, :, u, v] = np.einsum("noij,ncij->oc", dout, patch)
    # dilate dout to the stride-1 output shape, pad it by k - 1, slide the kernel over it
    full = np.zeros((N, O, H + 2 * p - kH + 1, W + 2 * p - kW + 1), dtype=dtype)
    full[:, :, ::s, ::s][:, :, :Ho, :Wo] = dout
    padded = np.pad(full, ((0, 0), (0, 0), (kH - 1, kH - 1), (kW - 1, kW - 1)))
    dxp = np.zeros(xp.shape, dtype=dtype)
    for u in range(kH):
        for v in range(kW):
            dxp += np.einsum("noij,oc->ncij", padded[:, :, u:u + xp.shape[2], v:v + xp.shape[3]],
                             w[:, :, u, v])
    db = dout.sum(axis=(0, 2, 3)).astype(dtype)
    return dxp[:, :, p:p + H, p:p + W], dw, db
