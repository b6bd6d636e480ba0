"""The layer switch: two activation register files per PE swapping roles ([EIE §IV]).

Each PE holds a *source* register file (its share of the layer's input, ``a_j`` with
``j mod N = k``) and a *destination* file (the accumulators of its output rows). After a layer, ReLU
is applied and the two files swap roles, so the output of layer l — already in PE ``i mod N`` — is
the input of layer l + 1 and no activation moves between PEs. :func:`pingpong_frames` draws this
from a :class:`~eie_lab.eie.network.NetworkResult` (``run_network``), one frame per layer plus one
per switch; nothing is simulated here.

Examples
--------
>>> import numpy as np
>>> from eie_lab.eie import EIEConfig, encode_network, run_network
>>> rng = np.random.default_rng(0)
>>> net = encode_network([rng.normal(size=(8, 8)), rng.normal(size=(4, 8))], config=EIEConfig(n_pe=4))
>>> frames = pingpong_frames(run_network(net, np.abs(rng.normal(size=8))))
>>> len(frames), frames[0].startswith("<svg"), 'data-phase="switch"' in frames[1]
(3, True, True)
"""

from __future__ import annotations

import numpy as np

from eie_lab.errors import ConfigError, fail_message
from eie_lab.viz.style import BLUE, FONT, short_number, svg_text

__all__ = ["pingpong_frames"]

SRC, DST = "#C6DBEF", "#C7E9C0"  # source file (read), destination file (written)


def _file_box(x: float, y: float, w: float, role: str, number: int, values: list[str],
              size: float) -> list[str]:
    fill = SRC if role == "source" else DST
    h = 34 + 24 * max(len(values), 1)
    out = [f'<g class="regfile" data-file="{number}" data-role="{role}">',
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" fill="{fill}" '
           f'stroke="#333" stroke-width="1.5"/>',
           svg_text(x + 8, y + 22, f"file {number}: {role}", size, weight="bold")]
    for i, v in enumerate(values):
        out.append(svg_text(x + 12, y + 48 + 24 * i, v, size))
    out.append("</g>")
    return out


def pingpong_frames(result, *, n_pe: int | None = None, width: int = 1000,
                    font_size: float = 16) -> list[str]:
    """SVG frames of the register files of the first PEs: layer 1, switch, layer 2, switch, ...

    Parameters
    ----------
    result : NetworkResult
        From :func:`eie_lab.eie.run_network` (its ``activations`` and ``register_files``).
    n_pe : int, optional
        PEs to draw (default: all, at most 4); PE k shows the activations ``k, k + N, ...``.
    width : int, default 1000
        Width in SVG units.
    font_size : float, default 16
        Size of the smallest text.

    Returns
    -------
    list of str
        ``2 * layers - 1`` SVG strings (``data-phase`` "layer" or "switch").

    Examples
    --------
    >>> import numpy as np
    >>> from eie_lab.eie import EIEConfig, encode_network, run_network
    >>> net = encode_network([np.eye(4), np.ones((2, 4))], config=EIEConfig(n_pe=2))
    >>> frames = pingpong_frames(run_network(net, np.arange(4.0)), n_pe=1)
    >>> [f.count('data-role="source"') for f in frames], 'a2 = 2' in frames[0]
    ([1, 1, 1], True)
    """
    if not hasattr(result, "register_files") or not hasattr(result, "activations"):
        raise ConfigError(fail_message("result", type(result).__name__,
                                       "must be a NetworkResult", "pass run_network(net, x)"))
    acts, files = result.activations, result.register_files
    n_layers = len(files)
    big_n = int(result.results[0].config.n_pe) if result.results else 1
    shown = min(big_n, 4) if n_pe is None else int(n_pe)
    if not 1 <= shown <= big_n:
        raise ConfigError(fail_message("n_pe", n_pe, f"must be in [1, {big_n}]",
                                       "leave n_pe=None to draw up to four PEs"))
    frames = []
    for step in range(2 * n_layers - 1):
        layer, switch = step // 2, step % 2 == 1
        src, dst = files[layer]
        inp = np.asarray(acts[layer])
        outp = np.asarray(acts[layer + 1])
        if switch:
            title = (f"After layer {layer + 1}: ReLU, files swap — file {dst} is the source of "
                     f"layer {layer + 2}; nothing moves")
        else:
            title = (f"Layer {layer + 1}: each PE reads its inputs from file {src} and "
                     f"accumulates its outputs in file {dst}")
        body = [svg_text(16, 30, title, font_size * 1.1, weight="bold")]
        col_w = (width - 32) / shown
        for k in range(shown):
            x = 16 + k * col_w
            body.append(svg_text(x + 6, 64, f"PE {k}", font_size * 1.1, weight="bold", fill=BLUE))
            mine_in = [f"a{j} = {short_number(inp[j])}" for j in range(k, inp.size, big_n)][:4]
            mine_out = [f"b{i} = {short_number(outp[i])}" for i in range(k, outp.size, big_n)][:4]
            roles = ({src: ("source", mine_in), dst: ("destination", mine_out)} if not switch
                     else {dst: ("source", [v.replace("b", "a", 1) for v in mine_out]),
                           src: ("destination", ["(cleared)"])})
            y = 76
            for number in (0, 1):
                role, values = roles[number]
                body += _file_box(x + 4, y, col_w - 16, role, number, values, font_size)
                y += 34 + 24 * max(len(values), 1) + 12
        h = 76 + 2 * (34 + 24 * 4 + 12) + 10
        phase = "switch" if switch else "layer"
        frames.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="eie-pingpong" '
                      f'data-phase="{phase}" data-layer="{layer + 1}" viewBox="0 0 {width} {h}" '
                      f'width="{width}" height="{h}" style="max-width:100%;height:auto" '
                      f'font-family="{FONT}"><rect width="100%" height="100%" fill="#FFF"/>'
                      + "".join(body) + "</svg>")
    return frames
