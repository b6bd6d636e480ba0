"""``eie-lab compress``: Deep Compression of LeNet-300-100, or the report of a saved model file.

Examples (shell)::

    eie-lab compress lenet300 --out model.npz             # train/load, prune, share, Huffman
    eie-lab compress lenet300 --out m5.npz --weight-bits 5 --keep ip1=0.07,ip2=0.08
    eie-lab compress model.npz                            # print the report of a saved file
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from eie_lab.errors import ConfigError, fail_message

_HELP_KEEP = "kept fraction per layer, e.g. ip1=0.08,ip2=0.09,ip3=0.26 (DC Table 2)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compress`` sub-command."""
    p = subparsers.add_parser(
        "compress", help="Deep Compression of LeNet-300-100 (prune, share weights, Huffman)",
        description="Compress LeNet-300-100 on MNIST with the Deep Compression pipeline and write "
                    "a compressed model file, or print the DC Table 2-shaped report of a saved "
                    "file (give its path instead of 'lenet300').")
    p.add_argument("target", metavar="MODEL", help="'lenet300', or the path of a saved .npz file")
    p.add_argument("--out", help="where to write the compressed model (.npz)")
    p.add_argument("--preset", choices=("best", "paper"), default="best",
                   help="'best' (5/6/18%% kept, 5-bit codes: ~51x) or 'paper' (DC Table 2: "
                        "8/9/26%% kept, 6-bit codes); default best")
    p.add_argument("--seed", type=int, default=0, help="seed of training and k-means (default 0)")
    p.add_argument("--epochs", type=int, default=None,
                   help="baseline training epochs (default: the zoo's recipe)")
    p.add_argument("--weight-bits", type=int, default=None, help="bits per weight code (preset: 5 best, 6 paper)")
    p.add_argument("--index-bits", type=int, default=None,
                   help="bits per relative index (default 5)")
    p.add_argument("--keep", default=None, help=_HELP_KEEP)
    p.add_argument("--prune-steps", type=int, default=None, help="prune/retrain rounds")
    p.add_argument("--retrain-epochs", type=int, default=None, help="epochs per retraining round")
    p.add_argument("--finetune-epochs", type=int, default=None, help="codebook fine-tuning epochs")
    p.add_argument("--n-train", type=int, default=None, help="use only this many training images")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def parse_keep(text: str) -> dict[str, float]:
    """Parse ``"ip1=0.08,ip2=0.09"`` into ``{"ip1": 0.08, "ip2": 0.09}``.

    Parameters
    ----------
    text : str
        The ``--keep`` value: comma-separated ``NAME=FRACTION`` pairs.

    Returns
    -------
    dict of str to float

    Raises
    ------
    ConfigError
        For a part that is not ``NAME=FRACTION``.

    Examples
    --------
    >>> parse_keep("ip1=0.08, ip3=0.26")
    {'ip1': 0.08, 'ip3': 0.26}
    """
    out = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(fail_message("--keep", text, "must be NAME=FRACTION[,...]", _HELP_KEEP))
    return out


def _config(args: argparse.Namespace):
    from eie_lab.compression.pipeline_config import preset

    kw: dict = {"seed": args.seed, "baseline_epochs": args.epochs, "n_train": args.n_train}
    cfg = preset(args.preset)
    if args.keep:
        kw["keep"] = {**cfg.keep, **parse_keep(args.keep)}
    for opt, name in (("weight_bits", "weight_bits"), ("index_bits", "index_bits"),
                      ("prune_steps", "prune_steps"), ("retrain_epochs", "retrain_epochs"),
                      ("finetune_epochs", "finetune_epochs")):
        if getattr(args, opt) is not None:
            kw[name] = getattr(args, opt)
    return preset(args.preset, **kw)


def _print(report, as_json: bool) -> None:
    print(json.dumps(report.to_dict(), indent=2) if as_json else report.to_text())


def run(args: argparse.Namespace) -> int:
    """Compress (target ``lenet300``) or report on a saved file."""
    from eie_lab.compression.model_file import load, save
    from eie_lab.compression.report import compression_report

    if args.target != "lenet300":
        path = Path(args.target)
        if path.suffix != ".npz" and not path.exists():
            raise ConfigError(fail_message("MODEL", args.target,
                                           "must be 'lenet300' or an existing .npz model file",
                                           "e.g. eie-lab compress lenet300 --out model.npz"))
        model = load(path)
        stages = model.meta.get("stages") or [{"error": None}]
        _print(compression_report(model, error_before=stages[0]["error"],
                                  error_after=stages[-1]["error"],
                                  file_size=os.path.getsize(path)), args.json)
        return 0
    if not args.out:
        raise ConfigError(fail_message("--out", None, "is required when compressing",
                                       "e.g. eie-lab compress lenet300 --out model.npz"))
    from eie_lab.cache import check_writable, writable_cache_dir
    from eie_lab.compression.pipeline import deep_compress

    config = _config(args)
    # before minutes of training: the output and the trained-model cache must be writable
    check_writable(args.out, "--out")
    writable_cache_dir()
    result = deep_compress(config=config, progress=None)
    out = save(result.compressed, args.out)
    if not args.json:
        for s in result.stages:
            print(f"{s['stage']:28s} test error {s['error']:.2%}  (t = {s['seconds']:.1f} s)")
        print()
    _print(result.report(file_size=os.path.getsize(out)), args.json)
    if not args.json:
        print(f"wrote {out}")
    return 0
