"""Record what PyTorch reaches with the capstone's CNN (lecture 09) on the digits split.

Run it from the repository root with the separate PyTorch environment (PyTorch is not a
dependency of the project; the lecture and the tests only read the JSON this writes)::

    /work/torchenv/bin/python tests/golden/make_capstone_reference.py

It trains, once per seed in ``SEEDS``, the network the lecture trains in numpy with
:mod:`autograder.nn`, with everything the same except the random numbers:

* the data: ``autograder.datasets.digits(test_fraction, split_seed)``, the same arrays;
* the architecture: conv 3x3 1->8 padding 1, ReLU, max pool 2, conv 3x3 8->16 padding 1,
  ReLU, max pool 2, flatten, linear 64->10;
* the initialisation: PyTorch's default for ``Conv2d`` and ``Linear``, which
  ``autograder.nn.default_init`` reproduces (uniform on +-1/sqrt(fan_in));
* the optimizer: ``torch.optim.Adam`` with the learning rate and betas of
  ``HYPERPARAMETERS``, the mean cross-entropy loss, minibatches of ``batch_size`` drawn
  in a new random order every epoch (the last one smaller), for ``epochs`` epochs;
* float32, one thread.

It writes ``autograder/data/capstone_torch.json``: the test accuracy after the last
epoch for each seed, their mean, min and max, the test accuracy after every epoch for
each seed, the architecture, the hyperparameters, and the torch, numpy and scikit-learn
versions.  torch is imported inside :func:`main`, so importing this file (as pytest's
doctest collection does) needs no torch.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np

from autograder.datasets import digits

OUT = Path(__file__).resolve().parents[2] / "autograder" / "data" / "capstone_torch.json"

SEEDS = [0, 1, 2, 3, 4]

#: Shared with lecture 09, which checks that it trains with exactly these settings.
HYPERPARAMETERS = {
    "optimizer": "Adam",
    "lr": 0.002,
    "betas": [0.9, 0.999],
    "eps": 1e-8,
    "weight_decay": 0.0,
    "epochs": 30,
    "batch_size": 32,
    "loss": "cross-entropy, mean over the batch",
    "init": "PyTorch default: weights and biases uniform on +-1/sqrt(fan_in)",
    "dtype": "float32",
    "test_fraction": 0.25,
    "split_seed": 0,
}

ARCHITECTURE = [
    "Conv2d(1, 8, kernel_size=3, padding=1)",
    "ReLU()",
    "MaxPool2d(2)",
    "Conv2d(8, 16, kernel_size=3, padding=1)",
    "ReLU()",
    "MaxPool2d(2)",
    "Flatten()",
    "Linear(64, 10)",
]


def _train_one(torch, data, seed):
    """Train the network once from ``seed``; return the test accuracy after each epoch."""
    nn = torch.nn
    hp = HYPERPARAMETERS
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=hp["lr"], betas=tuple(hp["betas"]),
                           eps=hp["eps"], weight_decay=hp["weight_decay"])
    loss_fn = nn.CrossEntropyLoss()
    x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    x_test, y_test = torch.from_numpy(data.x_test), torch.from_numpy(data.y_test)
    order_rng = torch.Generator().manual_seed(seed)
    accuracies = []
    for _ in range(hp["epochs"]):
        order = torch.randperm(len(x_train), generator=order_rng)
        for start in range(0, len(order), hp["batch_size"]):
            batch = order[start:start + hp["batch_size"]]
            opt.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            opt.step()
        with torch.no_grad():
            pred = model(x_test).argmax(dim=1)
        accuracies.append(float((pred == y_test).double().mean()))
    return accuracies


def main():
    """Train over every seed and write the JSON; print the figures."""
    import sklearn
    import torch

    torch.set_num_threads(1)
    hp = HYPERPARAMETERS
    data = digits(hp["test_fraction"], hp["split_seed"], dtype=np.float32)
    curves = {seed: _train_one(torch, data, seed) for seed in SEEDS}
    final = [curves[s][-1] for s in SEEDS]
    record = {
        "description": "Test accuracy of lecture 09's CNN trained in PyTorch on "
                       "autograder.datasets.digits, one run per seed; written by "
                       "tests/golden/make_capstone_reference.py",
        "seeds": SEEDS,
        "accuracies": final,
        "mean": float(np.mean(final)),
        "min": float(np.min(final)),
        "max": float(np.max(final)),
        "test_accuracy_per_epoch": {str(s): curves[s] for s in SEEDS},
        "n_train": int(len(data.y_train)),
        "n_test": int(len(data.y_test)),
        "architecture": ARCHITECTURE,
        "hyperparameters": hp,
        "versions": {"torch": torch.__version__, "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__,
                     "python": platform.python_version()},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"torch {torch.__version__}, numpy {np.__version__}: test accuracy per seed "
          f"{[round(a, 4) for a in final]}, mean {record['mean']:.4f}, "
          f"min {record['min']:.4f}, max {record['max']:.4f}")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
