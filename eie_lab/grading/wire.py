"""Plain data across the sandbox wall: inputs in, the student's answers out, as JSON, no pickle.

The grader sends grader-chosen inputs into the student's sandbox and reads back what the
student's functions returned. Both directions use this codec: JSON with a few tagged objects
(tuples, dicts with any plain keys, numpy arrays and scalars of numeric or bool dtype, and
:class:`~eie_lab.grading.exercise_data.LayerRecipe`). Anything else a student returns comes back
as an :class:`Opaque` marker naming its type, so no object of the student's making (an ``!=``
that is always False, a subclass with a lying ``__eq__``) ever reaches the grader's comparisons:
the grader compares plain ``int``/``float``/``str``/``list``/``dict``/``numpy`` values it built
itself.

Examples
--------
>>> import numpy as np
>>> from eie_lab.grading.wire import dumps, loads
>>> loads(dumps({"mask": np.array([True, False]), 1: (2, 3.5)}))
{'mask': array([ True, False]), 1: (2, 3.5)}
>>> class Liar:
...     def __ne__(self, other):
...         return False
>>> loads(dumps(Liar()))
Opaque('Liar')
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from eie_lab.errors import GradingError, fail_message
from eie_lab.grading.exercise_data import LayerRecipe

__all__ = ["Opaque", "encode", "decode", "dumps", "loads", "MAX_BYTES"]

MAX_BYTES = 32 * 2**20  # the most answer text the grader reads for one part
_MAX_DEPTH = 40
_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "float32", "float64"}


class Opaque:
    """Stands for a value the codec does not carry; equal to nothing but itself.

    Examples
    --------
    >>> Opaque("Liar") == Opaque("Liar"), Opaque("Liar") == 0
    (False, False)
    """

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:80]

    def __repr__(self) -> str:
        return f"Opaque({self.type_name!r})"


def _type_name(obj: Any) -> str:
    try:
        return str(type(obj).__name__)[:80]
    except Exception:  # a hostile metaclass
        return "object"


def encode(obj: Any, depth: int = 0) -> Any:
    """``obj`` as JSON-ready plain data (see the module docstring for what is carried).

    Examples
    --------
    >>> encode((1, [2.5, "x"]))
    {'__tuple__': [1, [2.5, 'x']]}
    >>> encode(np.int64(3))
    {'__np__': ['int64', 3]}
    """
    if depth > _MAX_DEPTH:
        return {"__opaque__": "nesting too deep"}
    t = type(obj)
    if obj is None or t in (bool, str):
        return obj
    if t is int:
        return obj
    if t is float:
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if t is list:
        return [encode(x, depth + 1) for x in obj]
    if t is tuple:
        return {"__tuple__": [encode(x, depth + 1) for x in obj]}
    if t is dict:
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in obj.items()]}
    if t is np.ndarray:
        if obj.dtype.name not in _DTYPES:
            return {"__opaque__": f"ndarray of dtype {obj.dtype.name}"}
        flat = [encode(x) for x in obj.ravel().tolist()]
        return {"__ndarray__": [obj.dtype.name, list(obj.shape), flat]}
    if isinstance(obj, np.generic) and type(obj).__module__ == "numpy":
        if obj.dtype.name not in _DTYPES:
            return {"__opaque__": f"numpy {obj.dtype.name}"}
        return {"__np__": [obj.dtype.name, encode(obj.item())]}
    if t is LayerRecipe:
        return {"__layer__": [obj.m, obj.n, obj.n_pe, obj.density, obj.seed]}
    return {"__opaque__": _type_name(obj)}


def _bad(why: str) -> GradingError:
    return GradingError(fail_message("answer", "<plain data>", why,
                                     "return numbers, strings, lists, dicts or numpy arrays"))


def decode(data: Any, depth: int = 0) -> Any:
    """The values :func:`encode` made, rebuilt by the grader from plain JSON.

    Raises
    ------
    GradingError
        On data no :func:`encode` call makes (wrong tags, shapes that disagree with the data).

    Examples
    --------
    >>> decode({"__ndarray__": ["int64", [2, 1], [1, 2]]}).tolist()
    [[1], [2]]
    """
    if depth > _MAX_DEPTH + 2:
        raise _bad("is nested too deeply")
    t = type(data)
    if data is None or t in (bool, int, float, str):
        return data
    if t is list:
        return [decode(x, depth + 1) for x in data]
    if t is not dict or len(data) != 1:
        raise _bad(f"has an unknown form ({t.__name__})")
    (tag, value), = data.items()
    if tag == "__tuple__" and type(value) is list:
        return tuple(decode(x, depth + 1) for x in value)
    if tag == "__dict__" and type(value) is list:
        out = {}
        for pair in value:
            if type(pair) is not list or len(pair) != 2:
                raise _bad("has a malformed dict")
            key = decode(pair[0], depth + 1)
            try:
                out[key] = decode(pair[1], depth + 1)
            except TypeError:  # an unhashable key (a list) cannot be a dict key
                raise _bad("has a dict key that cannot be hashed") from None
        return out
    if tag == "__float__" and value in ("nan", "inf", "-inf"):
        return float(value)
    if tag == "__ndarray__" and type(value) is list and len(value) == 3:
        dtype, shape, flat = value
        if (dtype not in _DTYPES or type(shape) is not list or type(flat) is not list
                or any(type(s) is not int or s < 0 for s in shape)
                or math.prod(shape) != len(flat)):
            raise _bad("has a malformed array")
        items = [decode(x, depth + 1) for x in flat]
        if any(type(x) not in (bool, int, float) for x in items):
            raise _bad("has an array with non-numeric entries")
        try:
            return np.array(items, dtype=dtype).reshape(shape)
        except (OverflowError, ValueError):
            raise _bad("has an array whose values do not fit its dtype") from None
    if tag == "__np__" and type(value) is list and len(value) == 2 and value[0] in _DTYPES:
        item = decode(value[1], depth + 1)
        if type(item) not in (bool, int, float):
            raise _bad("has a malformed numpy scalar")
        try:
            return np.dtype(value[0]).type(item)
        except (OverflowError, ValueError):
            raise _bad("has a numpy scalar that does not fit its dtype") from None
    if tag == "__layer__" and type(value) is list and len(value) == 5:
        m, n, n_pe, density, seed = value
        return LayerRecipe(int(m), int(n), int(n_pe), float(density), int(seed))
    if tag == "__opaque__" and type(value) is str:
        return Opaque(value)
    raise _bad(f"has an unknown tag {str(tag)[:40]!r}")


def dumps(obj: Any) -> str:
    """JSON text of :func:`encode` ``(obj)``.

    Examples
    --------
    >>> dumps([1, (2,)])
    '[1, {"__tuple__": [2]}]'
    """
    return json.dumps(encode(obj), allow_nan=False)


def loads(text: str | bytes) -> Any:
    """:func:`decode` of JSON ``text`` (at most :data:`MAX_BYTES`).

    Raises
    ------
    GradingError
        When the text is too long, not JSON, or not what :func:`encode` makes.

    Examples
    --------
    >>> loads('{"__tuple__": [1, 2]}')
    (1, 2)
    """
    if len(text) > MAX_BYTES:
        raise _bad(f"is longer than {MAX_BYTES} bytes")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _bad(f"is not JSON ({type(exc).__name__})") from None
    try:
        return decode(data)
    except RecursionError:
        raise _bad("is nested too deeply") from None
