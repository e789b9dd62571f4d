"""Writes the small CRR-NN checkpoint of test_crrnn_import and the reference implementation's
gradients on it, using that implementation itself (github.com/axgoujon/convex_ridge_regularizers):

    python3 make_fixture.py PATH_TO_THE_REFERENCE_CHECKOUT

Files: tiny.pth (torch.save of a dict with the state dict under "state_dict", like the reference's
checkpoints), config.json, validation.csv, x.npy (a 1x1x9x8 image), gradient_full.npy and
gradient_pruned.npy (lambda * model(mu * x) before and after the reference's pruning, float64)."""
import json, os, sys
import numpy as np
import torch

sys.path.insert(0, sys.argv[1])
from models.convex_ridge_regularizer import ConvexRidgeRegularizer  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
config = {"net_params": {"channels": [1, 2, 3], "kernel_size": 3, "padding": 1},
          "activation_params": {"knots_range": 0.1, "n_knots": 5}}
model = ConvexRidgeRegularizer(channels=[1, 2, 3], kernel_size=3,
                               activation_params=dict(config["activation_params"]))
with torch.no_grad():
    for conv in model.conv_layer.conv_layers:
        conv.parametrizations.weight.original.normal_(0.0, 0.5)
    c = torch.randn(3, 5) * 0.05 + torch.linspace(-0.1, 0.1, 5)
    c[2] = 0.02  # a flat spline: the channel the pruning drops
    model.activation.coefficients_vect.copy_(c.reshape(-1))
checkpoint = {"epoch": 3, "state_dict": model.state_dict(), "config": config,
              "optimizer_1_state_dict": {"state": {}, "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999)}]}}
torch.save(checkpoint, os.path.join(here, "tiny.pth"))
json.dump(config, open(os.path.join(here, "config.json"), "w"), indent=4)
with open(os.path.join(here, "validation.csv"), "w") as f:
    f.write(",exp,p1,p2,psnr,ssim,niter\n0,tiny,1.0,2.0,20.5,0.5,10\n0,tiny,3.0,5.0,21.5,0.6,12\n"
            "0,tiny,2.0,4.0,21.0,0.55,11\n")
torch.set_default_dtype(torch.float64)  # the reference's own computations in float64
lmbd, mu = 3.0, 5.0
x = torch.rand(1, 1, 9, 8, dtype=torch.float64)
np.save(os.path.join(here, "x.npy"), x.numpy())
model = model.double()
model.activation.grid = model.activation.grid.double()
model.activation.cache_constraint()
with torch.no_grad():
    np.save(os.path.join(here, "gradient_full.npy"), (lmbd * model(mu * x)).numpy())
    model.prune(prune_filters=True, collapse_filters=False, change_splines_to_clip=False)
    assert model.activation.num_activations == 2
    np.save(os.path.join(here, "gradient_pruned.npy"), (lmbd * model(mu * x)).numpy())
