"""The CRR-NN reference implementation (github.com/axgoujon/convex_ridge_regularizers) denoising a
folder of grey images on the CPU as its test script does (constraint cached, channels pruned,
Lipschitz bound, AdaGD with its defaults: at most 200 iterations, relative change 1e-6), with
lambda and mu from its validation table; prints PSNR (peak 1 on [0, 1]), iterations and seconds per
image, and the means. For docs/BENCHMARKS.md and docs/RESULTS.md, beside bilevel-cli evaluate:

    python3 crrnn_denoise.py REFERENCE_CHECKOUT MODEL FOLDER SIGMA [THREADS]
        [--noisy DIR] [--first N]

MODEL is a folder of its trained_models/ (e.g. Sigma_25_t_10); the validation table is
denoising/validation_scores/validation_scores_sigma_val_<SIGMA>_<model lower-case>.csv. The noise
is the reference's own (torch.manual_seed(0), in image order), unless --noisy names the folder
that `bilevel-cli evaluate --save-measured DIR` wrote: then each image's measurement is read from
DIR/<its name>.npy, the same float inputs bilevel-cli solved. --first N denoises the first N images
only."""
import argparse, glob, json, math, os, sys, time, types

import numpy as np
import torch
from PIL import Image

parser = argparse.ArgumentParser()
for name in ("root", "model_name", "folder"):
    parser.add_argument(name)
parser.add_argument("sigma", type=int)
parser.add_argument("threads", type=int, nargs="?", default=2)
parser.add_argument("--noisy")
parser.add_argument("--first", type=int)
args = parser.parse_args()
root, model_name, folder, sigma = args.root, args.model_name, args.folder, args.sigma
torch.set_num_threads(args.threads)
# The reference's utils imports torchmetrics for its own scores; they are not used here.
metrics = types.ModuleType("torchmetrics")
metrics.functional = types.ModuleType("torchmetrics.functional")
metrics.functional.peak_signal_noise_ratio = None
metrics.functional.structural_similarity_index_measure = None
sys.modules["torchmetrics"] = metrics
sys.modules["torchmetrics.functional"] = metrics.functional
sys.modules.setdefault("tqdm", types.SimpleNamespace(tqdm=lambda x, **k: x))
sys.path.insert(0, root)
from models import utils  # noqa: E402

directory = os.path.join(root, "trained_models", model_name)
config = json.load(open(os.path.join(directory, "config.json")))
model, _ = utils.build_model(config)
checkpoints = glob.glob(os.path.join(directory, "checkpoints", "*.pth"))
latest = max(checkpoints, key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
model.load_state_dict(torch.load(latest, map_location="cpu")["state_dict"])
model.eval()
model.activation.cache_constraint()
model.prune(prune_filters=True, collapse_filters=False, change_splines_to_clip=False)
model.initializeEigen(size=400)
model.L.data = model.precise_lipschitz_bound(n_iter=100)
table = os.path.join(root, "denoising", "validation_scores",
                     f"validation_scores_sigma_val_{sigma}_{model_name.lower()}.csv")
rows = [line.strip().split(",") for line in open(table)]
header, rows = rows[0], rows[1:]
best = max(rows, key=lambda r: float(r[header.index("psnr")]))
lmbd, mu = float(best[header.index("p1")]), float(best[header.index("p2")])
print(f"lambda {lmbd}, mu {mu}, {model.activation.num_activations} channels, threads "
      f"{torch.get_num_threads()}")

torch.manual_seed(0)
psnrs, seconds = [], []
for path in sorted(glob.glob(os.path.join(folder, "*.png")))[:args.first]:
    clean = torch.tensor(np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0)
    clean = clean[None, None]
    noisy = clean + sigma / 255 * torch.empty_like(clean).normal_()
    if args.noisy:
        stem = os.path.splitext(os.path.basename(path))[0]
        noisy = torch.tensor(np.load(os.path.join(args.noisy, stem + ".npy")))[None]
        assert noisy.shape == clean.shape, (path, noisy.shape)
    start = time.perf_counter()
    with torch.no_grad():
        denoised, iterations = utils.AdaGD(noisy, model, lmbd=lmbd, mu=mu)
    seconds.append(time.perf_counter() - start)
    psnrs.append(-10 * math.log10(float(torch.mean((denoised - clean) ** 2))))
    print(f"{os.path.basename(path)}: {psnrs[-1]:.2f} dB, {iterations + 1} iterations, "
          f"{seconds[-1]:.2f} s")
print(f"mean: {np.mean(psnrs):.2f} dB, {np.mean(seconds):.2f} s per image")
