"""Dara: fc_to_conv reads each row of W as an H x W x C image (channels last); the rest
is right."""

# %% fc_to_conv
def fc_to_conv(W, b, input_shape):
    C, H, Wd = input_shape
    # read each row as an image: rows, columns, then channels
    kernels = np.reshape(W, (W.shape[0], H, Wd, C))
    return np.transpose(kernels, (0, 3, 1, 2)), b
