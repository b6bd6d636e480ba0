"""``eie-lab compress``: Deep Compression of LeNet-300-100 or LeNet-5, or the report of a saved
model file.

Examples (shell)::

    eie-lab compress lenet300 --out model.npz             # train/load, prune, share, Huffman
    eie-lab compress lenet5 --out lenet5.npz              # LeNet-5 (DC Table 3), ~10 min
    eie-lab compress lenet300 --out m5.npz --weight-bits 5 --keep ip1=0.07,ip2=0.08
    eie-lab compress model.npz                            # print the report of a saved file
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path

from eie_lab.cli import count
from eie_lab.errors import ConfigError, fail_message

HELP = "Deep Compression of LeNet-300-100 or LeNet-5 (prune, share weights, Huffman)"
#: The networks ``compress`` trains and compresses (the rest of MODEL is a saved file's path).
NETWORKS = ("lenet300", "lenet5")
_HELP_KEEP = "kept fraction per layer, e.g. ip1=0.08,ip2=0.09,ip3=0.26 (DC Table 2)"
_FIX_KEEP = "e.g. --keep ip1=0.08,ip2=0.09,ip3=0.26 (layer names as in DC Table 2, lower case)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compress`` sub-command."""
    p = subparsers.add_parser(
        "compress", help=HELP,
        description="Compress LeNet-300-100 or LeNet-5 on MNIST with the Deep Compression "
                    "pipeline and write a compressed model file, or print the DC Table 2-shaped "
                    "report of a saved file (give its path instead of 'lenet300'/'lenet5').")
    p.add_argument("target", metavar="MODEL",
                   help="'lenet300', 'lenet5', or the path of a saved .npz file")
    p.add_argument("--out", help="where to write the compressed model (.npz)")
    p.add_argument("--preset", choices=("best", "paper"), default="best",
                   help="'best' (lenet300: 5/6/18%% kept, 5-bit codes: ~51x) or 'paper' "
                        "(DC Table 2: 8/9/26%% kept, 6-bit codes; lenet5: DC Table 3); "
                        "default best")
    p.add_argument("--seed", type=count("--seed", 0, fix="use --seed 0 (any integer >= 0)"),
                   default=0, help="seed of training and k-means (default 0)")
    p.add_argument("--epochs", type=count("--epochs", 1), default=None,
                   help="baseline training epochs (default: the zoo's recipe)")
    p.add_argument("--weight-bits", type=count("--weight-bits", 1, 16), default=None,
                   help="bits per weight code, 1..16 (preset: 5 best, 6 paper)")
    p.add_argument("--index-bits", type=count("--index-bits", 1, 16), default=None,
                   help="bits per relative index, 1..16 (default 5)")
    p.add_argument("--keep", default=None, help=_HELP_KEEP)
    p.add_argument("--prune-steps", type=count("--prune-steps", 1), default=None,
                   help="prune/retrain rounds")
    p.add_argument("--retrain-epochs", type=count("--retrain-epochs", 0), default=None,
                   help="epochs per retraining round (0: no retraining)")
    p.add_argument("--finetune-epochs", type=count("--finetune-epochs", 0), default=None,
                   help="codebook fine-tuning epochs (0: none)")
    p.add_argument("--n-train", type=count("--n-train", 1), default=None,
                   help="use only this many training images (at most 60000)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def parse_keep(text: str, layers: Sequence[str] | None = None) -> dict[str, float]:
    """Parse ``"ip1=0.08,ip2=0.09"`` into ``{"ip1": 0.08, "ip2": 0.09}``, checking every part.

    Parameters
    ----------
    text : str
        The ``--keep`` value: comma-separated ``NAME=FRACTION`` pairs.
    layers : sequence of str, optional
        The valid layer names (e.g. ``("ip1", "ip2", "ip3")``); None accepts any name.

    Returns
    -------
    dict of str to float

    Raises
    ------
    ConfigError
        For a part that is not ``NAME=FRACTION``, an empty, unknown (names are case-sensitive)
        or repeated layer name, or a fraction that is not a finite number in (0, 1]. The message
        names the valid layers.

    Examples
    --------
    >>> parse_keep("ip1=0.08, ip3=0.26", ("ip1", "ip2", "ip3"))
    {'ip1': 0.08, 'ip3': 0.26}
    >>> try:
    ...     parse_keep("IP1=0.5", ("ip1", "ip2", "ip3"))
    ... except ConfigError as exc:
    ...     print(str(exc).splitlines()[0])
    --keep='IP1=0.5' is invalid: names no layer 'IP1' (the layers are ip1, ip2, ip3)
    """
    valid = None if layers is None else tuple(layers)
    where = "" if valid is None else f" (the layers are {', '.join(valid)})"

    def bad(rule: str) -> ConfigError:
        return ConfigError(fail_message("--keep", text, rule + where, _FIX_KEEP))

    out: dict[str, float] = {}
    for part in (s.strip() for s in text.split(",")):
        if not part:
            continue
        name, sep, value = (x.strip() for x in part.partition("="))
        if not sep:
            raise bad(f"has {part!r}, not NAME=FRACTION")
        if not name:
            raise bad(f"has {part!r} with no layer name")
        if valid is not None and name not in valid:
            raise bad(f"names no layer {name!r}")
        if name in out:
            raise bad(f"names {name!r} twice")
        try:
            frac = float(value)
        except ValueError:
            raise bad(f"gives {name} the fraction {value!r}, not a number") from None
        if not (math.isfinite(frac) and 0.0 < frac <= 1.0):
            raise bad(f"gives {name} the fraction {value}; a kept fraction is in (0, 1]")
        out[name] = frac
    if not out:
        raise bad("names no layer")
    return out


def _config(args: argparse.Namespace):
    from eie_lab.compression.pipeline_config import preset

    kw: dict = {"seed": args.seed, "baseline_epochs": args.epochs, "n_train": args.n_train}
    kw["network"] = args.target
    cfg = preset(args.preset, network=args.target)
    if args.keep is not None:
        kw["keep"] = {**cfg.keep, **parse_keep(args.keep, tuple(cfg.keep))}
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
    # the pipeline (numpy, MNIST) loads here, not at import: `eie-lab --help` stays fast
    from eie_lab.cache import check_writable, writable_cache_dir
    from eie_lab.compression.model_file import load, save
    from eie_lab.compression.pipeline import deep_compress
    from eie_lab.compression.report import compare_with_paper, compression_report

    if args.target not in NETWORKS:
        path = Path(args.target)
        if path.suffix != ".npz" and not path.exists():
            raise ConfigError(fail_message("MODEL", args.target,
                                           "must be 'lenet300', 'lenet5' or an existing .npz "
                                           "model file",
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
    from eie_lab.data.mnist import SPLIT_SIZES

    if args.n_train is not None and args.n_train > SPLIT_SIZES["train"]:
        raise ConfigError(fail_message("--n-train", args.n_train,
                                       f"must be <= {SPLIT_SIZES['train']} (the MNIST training "
                                       "images)", "leave --n-train out to use all of them"))
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
    if not args.json and args.target == "lenet5":
        print("\nbeside DC Table 3:\n" + compare_with_paper(result.report()))
    if not args.json:
        print(f"wrote {out}")
    return 0
