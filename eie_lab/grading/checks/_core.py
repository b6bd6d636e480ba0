"""Shared machinery of the student-facing checks: call, compare, explain the first mismatch.

What a student sees when running a visible test in their kernel (:func:`run_part`): a passing
part prints one line (``✓ magnitude_prune: 3 examples pass``); a wrong answer shows the message
first (which case, expected vs got, the part's nudge) and no frames of this package
(:meth:`CheckFailed._render_traceback_`); an unsolved stub says which part to write; an error
raised by the student's own code is reported the same way, with the student's own lines only.

A check calls the student's function on one case at a time (inputs copied, warnings silenced so
that a harmless ``RuntimeWarning`` never costs points under nbgrader, which fails any test cell
that writes to stderr) and compares the answer with the reference. On a mismatch it raises
:class:`CheckFailed` (an ``AssertionError``) whose message names the case, what was expected,
what came back and the first place they differ. Checks return ``None`` so a test cell never ends
in a value nbgrader would read as partial credit.

Examples
--------
>>> import numpy as np
>>> from eie_lab.grading.checks._core import CheckFailed, expect_array
>>> try:
...     expect_array(np.array([1, 2, 4]), np.array([1, 2, 3]), "counts", "case 1")
... except CheckFailed as err:
...     print(err)
case 1: counts differs from the reference in 1 of 3 entries; first mismatch at [2]: expected 3, got 4
"""

from __future__ import annotations

import copy
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from eie_lab.grading.exercise_data import materialise

__all__ = ["CheckFailed", "Part", "run_part", "call", "expect_array", "expect_number",
           "expect_equal", "cases", "describe", "answer_part", "choice_part"]

Case = tuple[str, tuple]  # (label naming the case, the arguments of the student's function)


class CheckFailed(AssertionError):
    """A student's answer differs from the reference; the message says how.

    Examples
    --------
    >>> issubclass(CheckFailed, AssertionError)   # nbgrader scores it as a failed test
    True
    >>> CheckFailed("example 1: expected 3, got 4")._render_traceback_()
    ['✗ example 1: expected 3, got 4']
    """

    def _render_traceback_(self) -> list[str]:
        """What IPython/Jupyter shows instead of a traceback: the message alone, no frames."""
        return ["✗ " + line if i == 0 else line for i, line in enumerate(str(self).split("\n"))]


@dataclass(frozen=True)
class Part:
    """One graded part: its visible cases, its hidden-case generator and its judge.

    The cases are plain inputs, so the same part runs in two ways. In the student's kernel
    (self-study, and real nbgrader) :func:`run_part` calls the student's function and judges
    each answer there. In ``eie-lab autograde`` the grader sends the cases into the sandbox,
    gets the answers back as plain data, and calls :attr:`judge` in its own process.

    Attributes
    ----------
    name : str
        The part, also the name of the student's function (``magnitude_prune``).
    examples : callable
        ``examples() -> [(label, args), ...]``: the visible worked examples.
    hidden : callable
        ``hidden(seed) -> [(label, args), ...]``: randomised cases drawn from ``seed``.
    judge : callable
        ``judge(args, got, label)`` raises :class:`CheckFailed` when ``got`` is wrong for
        ``args``.
    seed : int
        The seed of the hidden cases in the student's kernel (the grader draws its own).
    package : tuple of str
        eie-lab's own implementations of this part (``"module:name"``; ``"module:*"`` for
        every function of a module): an answer that calls one scores 0 when graded.
    nudge : str
        One line shown under a failure in the student's kernel (which idea to revisit; never
        the answer).

    Examples
    --------
    >>> part = Part("double", lambda: [("example 1", (2,))], lambda seed: [("hidden 1", (seed,))],
    ...             lambda args, got, label: expect_number(got, 2 * args[0], "2x", label), 7)
    >>> run_part(part, lambda x: 2 * x, hidden=True)
    ✓ double: 1 hidden case passes
    """

    name: str
    examples: Callable[[], list[Case]]
    hidden: Callable[[int], list[Case]]
    judge: Callable[[tuple, Any, str], None]
    seed: int
    package: tuple[str, ...] = ()
    nudge: str = ""

    def cases(self, hidden: bool = False, seed: int | None = None) -> list[Case]:
        """The visible examples, or the hidden cases drawn from ``seed`` (default
        :attr:`seed`)."""
        if not hidden:
            return self.examples()
        return self.hidden(self.seed if seed is None else int(seed))


def _student_frames(tb):
    """``tb`` without its leading frames of this module (those that set ``__tracebackhide__``)."""
    while tb is not None and tb.tb_frame.f_locals.get("__tracebackhide__"):
        tb = tb.tb_next
    return tb


def run_part(part: Part, fn: Callable, hidden: bool = False) -> None:
    """Run ``part``'s visible (or hidden) cases on the student's ``fn`` in this process.

    Prints one line when every case passes. A stub (``NotImplementedError``) becomes a
    :class:`CheckFailed` naming the function to write; a wrong answer a :class:`CheckFailed`
    with the part's name, the case and the nudge; any other error of the student's code is
    reported as a :class:`CheckFailed` naming the case, the error and the student's own lines
    (no frames of this package).

    Raises
    ------
    CheckFailed
        At the first wrong answer, or when ``fn`` is still the stub.

    Examples
    --------
    >>> part = Part("double", lambda: [("example 1", (2,))], lambda seed: [],
    ...             lambda args, got, label: expect_number(got, 2 * args[0], "2x", label), 7,
    ...             nudge="doubling is adding a number to itself")
    >>> run_part(part, lambda x: 2 * x)
    ✓ double: 1 example passes
    >>> try:
    ...     run_part(part, lambda x: x + 1)
    ... except CheckFailed as err:
    ...     print(err)
    double, example 1: 2x expected 4, got 3
    nudge: doubling is adding a number to itself
    >>> def stub(x):
    ...     raise NotImplementedError()
    >>> try:
    ...     run_part(part, stub)
    ... except CheckFailed as err:
    ...     print(err)
    double is not written yet: in the cell that defines `double`, replace `raise NotImplementedError()` with your code, run that cell, then this one
    >>> try:
    ...     run_part(part, lambda x: x[0])
    ... except CheckFailed as err:
    ...     print(str(err).splitlines()[0])
    double, example 1: your code raised TypeError: 'int' object is not subscriptable
    """
    __tracebackhide__ = True
    todo = part.cases(hidden)
    for label, args in todo:
        try:
            got = call(fn, *materialise(args))
        except NotImplementedError:
            raise CheckFailed(f"{part.name} is not written yet: in the cell that defines "
                              f"`{part.name}`, replace `raise NotImplementedError()` with your "
                              "code, run that cell, then this one") from None
        except CheckFailed as err:
            raise CheckFailed(f"{part.name}: {err}") from None
        except Exception as exc:
            frames = traceback.extract_tb(_student_frames(exc.__traceback__))
            for f in frames:  # IPython's cell files are temporary paths; name the cell instead
                if "ipykernel_" in f.filename or f.filename.startswith("<ipython-input"):
                    f.filename = "your cell"
            where = "".join(traceback.format_list(frames)).rstrip()
            raise CheckFailed(f"{part.name}, {label}: your code raised {type(exc).__name__}: "
                              f"{exc}\nwhere (most recent call last):\n{where}") from None
        try:
            part.judge(args, got, label)
        except CheckFailed as err:
            msg = f"{part.name}, {err}" + (f"\nnudge: {part.nudge}" if part.nudge else "")
            raise CheckFailed(msg) from None
    kind = "hidden case" if hidden else "example"
    print(f"✓ {part.name}: {len(todo)} {kind}{'s pass' if len(todo) != 1 else ' passes'}")


def _answer_label(name: str, hidden: bool, reveal: bool = False) -> str:
    if hidden:
        return f"hidden 1: {name}()"
    if reveal:  # a design target measured on public data: the visible test judges it
        return f"example 1: {name}() measured against its target"
    return f"example 1: the form of {name}() (whether it is right is checked when graded)"


def answer_part(name: str, form: Callable[[Any, str], None], grade: Callable[[Any, str], None],
                seed: int, *, reveal: bool = False, nudge: str = "") -> Part:
    """A question answered by a function of no arguments that returns plain data.

    Interpret and design-to-target items use it: the student writes ``def name(): return ...``
    (a letter, a number, a dict of numbers); the answer comes back from the sandbox as plain
    data and is judged in the grader's process like any part. The visible test checks the form
    only (``form(got, label)``), unless ``reveal`` (a design target measured on public data, which
    the student should see); the hidden test also runs ``grade(got, label)``.

    Parameters
    ----------
    name : str
        The student's function, and the part.
    form, grade : callable
        ``(got, label) -> None``, raising :class:`CheckFailed`.
    seed : int
        Unused by the cases (the question is fixed); kept for :class:`Part`.
    reveal : bool
        Run ``grade`` in the visible test too.
    nudge : str
        See :class:`Part`.

    Returns
    -------
    Part

    Examples
    --------
    >>> def form(got, label):
    ...     if got not in ("a", "b"):
    ...         raise CheckFailed(f"{label}: answer 'a' or 'b', got {got!r}")
    >>> part = answer_part("q1", form, lambda got, label: expect_equal(got, "b", "q1", label), 1)
    >>> run_part(part, lambda: "a")   # the visible test does not give the answer away
    ✓ q1: 1 example passes
    >>> try:
    ...     run_part(part, lambda: "a", hidden=True)
    ... except CheckFailed as err:
    ...     print(err)
    q1, hidden 1: q1(): q1 expected 'b', got 'a'; lengths 1 vs 1, first difference at position 0
    """

    def judge(args: tuple, got: Any, label: str) -> None:
        form(got, label)
        if reveal or label.startswith("hidden"):
            grade(got, label)

    return Part(name, lambda: [(_answer_label(name, False, reveal), ())],
                lambda seed: [(_answer_label(name, True), ())], judge, seed, (), nudge)


def choice_part(name: str, choices: str, right: str, seed: int, *, nudge: str = "") -> Part:
    """A multiple-choice question: ``name()`` returns one letter of ``choices``.

    The visible test checks that the answer is one of the letters, the hidden test that it is
    ``right`` (see :func:`answer_part`).

    Examples
    --------
    >>> part = choice_part("q2", "abc", "c", 3)
    >>> run_part(part, lambda: "A")
    ✓ q2: 1 example passes
    >>> try:
    ...     run_part(part, lambda: "a", hidden=True)
    ... except CheckFailed as err:
    ...     print(err)
    q2, hidden 1: q2(): 'a' is not the right choice; re-read the question and the output it refers to
    """

    def form(got: Any, label: str) -> None:
        if not isinstance(got, str) or got.strip().lower() not in tuple(choices):
            raise CheckFailed(f"{label}: expected one letter among {', '.join(choices)}, got "
                              f"{describe(got)}")

    def grade(got: Any, label: str) -> None:
        if got.strip().lower() != right:
            raise CheckFailed(f"{label}: {got!r} is not the right choice; re-read the question "
                              "and the output it refers to")

    return answer_part(name, form, grade, seed, nudge=nudge)


def describe(x: Any) -> str:
    """A short description of an input for messages (arrays by shape, not by content).

    Parameters
    ----------
    x : object
        Any input or answer.

    Returns
    -------
    str
        Small arrays and containers in full, large ones by type and size.

    Examples
    --------
    >>> describe(np.arange(3)), describe(np.zeros((10, 10))), describe(list(range(20)))
    ('[0, 1, 2]', '<float64 array of shape (10, 10)>', '<list of 20 items>')
    >>> describe("0" * 100)
    '<str of 100 characters>'
    """
    if isinstance(x, str) and len(x) > 80:
        return f"<str of {len(x)} characters>"
    if isinstance(x, np.ndarray):
        if x.size <= 8:
            return np.array2string(x, separator=", ", threshold=8)
        return f"<{x.dtype} array of shape {x.shape}>"
    if isinstance(x, (list, tuple, dict)) and len(x) > 8:
        return f"<{type(x).__name__} of {len(x)} items>"
    return repr(x)


def call(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the student's ``fn`` on deep copies of the inputs, with warnings silenced.

    Parameters
    ----------
    fn : callable
        The student's function.
    *args, **kwargs
        Its inputs (copied, so an in-place change cannot alter the reference's).

    Returns
    -------
    object
        Whatever ``fn`` returns.

    Raises
    ------
    CheckFailed
        When ``fn`` is not callable (e.g. the defining cell was not run).

    Examples
    --------
    >>> x = np.ones(2)
    >>> call(lambda a: np.log(a - 1), x), x
    (array([-inf, -inf]), array([1., 1.]))
    >>> call(None)
    Traceback (most recent call last):
    ...
    eie_lab.grading.checks._core.CheckFailed: expected a function, got NoneType: did you run the cell that defines it?
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise CheckFailed(f"expected a function, got {type(fn).__name__}: did you run the cell "
                          "that defines it?")
    args = copy.deepcopy(args)
    kwargs = copy.deepcopy(kwargs)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    if isinstance(v, np.generic):
        return repr(v.item())
    return repr(v)


def expect_array(got: Any, expected: np.ndarray, name: str, case: str, *, exact: bool = True,
                 rtol: float = 1e-7, atol: float = 1e-9, kind: str | None = None) -> None:
    """Compare an array answer: type, shape, dtype kind (e.g. ``"b"`` for masks), values.

    Parameters
    ----------
    got : object
        The student's answer (anything numpy can read).
    expected : numpy.ndarray
        The reference.
    name, case : str
        What the value is and which case it is, for the message.
    exact : bool
        Compare with ``==``; otherwise with ``np.isclose(rtol, atol)`` (NaN equals NaN).
    rtol, atol : float
        Tolerances when ``exact=False``.
    kind : str, optional
        Allowed dtype kinds: ``"b"``, ``"iu"``, ``"f"`` or ``"iuf"``.

    Raises
    ------
    CheckFailed
        On a wrong type, shape, dtype kind or value (naming the first mismatch).

    Examples
    --------
    >>> expect_array([0.1 + 0.2], np.array([0.3]), "x", "case 1", exact=False)
    >>> expect_array(np.array([1, 0]), np.array([True, False]), "mask", "case 2", kind="b")
    Traceback (most recent call last):
    ...
    eie_lab.grading.checks._core.CheckFailed: case 2: mask should have a bool dtype, got int64
    """
    expected = np.asarray(expected)
    try:
        arr = np.asarray(got)
    except Exception as exc:  # e.g. ragged lists
        raise CheckFailed(f"{case}: {name} should be an array, got {type(got).__name__} "
                          f"that numpy cannot read ({exc})") from None
    if arr.dtype == object:
        raise CheckFailed(f"{case}: {name} should be a numeric array, got {type(got).__name__} "
                          f"with dtype object")
    if arr.shape != expected.shape:
        raise CheckFailed(f"{case}: {name} should have shape {expected.shape}, got {arr.shape}")
    if kind is not None and arr.dtype.kind not in kind:
        want = {"b": "bool", "iu": "integer", "f": "float", "iuf": "numeric"}.get(kind, kind)
        raise CheckFailed(f"{case}: {name} should have a {want} dtype, got {arr.dtype}")
    if exact:
        same = arr == expected
    else:
        same = np.isclose(arr.astype(np.float64), expected.astype(np.float64), rtol=rtol,
                          atol=atol, equal_nan=True)
    if not np.all(same):
        bad = np.argwhere(~np.asarray(same))
        where = ", ".join(str(int(i)) for i in bad[0])
        first = tuple(int(i) for i in bad[0])
        raise CheckFailed(
            f"{case}: {name} differs from the reference in {len(bad)} of {expected.size} entries;"
            f" first mismatch at [{where}]: expected {_fmt(expected[first])}, "
            f"got {_fmt(arr[first])}")


def expect_number(got: Any, expected: float, name: str, case: str, *, rtol: float = 1e-7,
                  atol: float = 1e-9, integer: bool = False) -> None:
    """Compare a scalar answer (with a tolerance unless ``integer``).

    Parameters
    ----------
    got : object
        The student's answer.
    expected : float
        The reference.
    name, case : str
        For the message.
    rtol, atol : float
        Tolerances (``np.isclose``).
    integer : bool
        Require exactly ``int(expected)``.

    Raises
    ------
    CheckFailed
        When ``got`` is not a number or differs.

    Examples
    --------
    >>> expect_number(2.0000000001, 2, "bits", "case 1")
    >>> expect_number(7, 8, "cycles", "case 2", integer=True)
    Traceback (most recent call last):
    ...
    eie_lab.grading.checks._core.CheckFailed: case 2: cycles expected 8, got 7
    """
    try:
        value = float(got)
    except (TypeError, ValueError):
        raise CheckFailed(f"{case}: {name} should be a number, got {type(got).__name__} "
                          f"{describe(got)}") from None
    if integer:
        if value != int(expected):
            raise CheckFailed(f"{case}: {name} expected {int(expected)}, got {_fmt(got)}")
    elif not np.isclose(value, float(expected), rtol=rtol, atol=atol):
        raise CheckFailed(f"{case}: {name} expected {_fmt(float(expected))}, got {_fmt(value)}")


def expect_equal(got: Any, expected: Any, name: str, case: str) -> None:
    """Compare plain Python values (lists, dicts, strings) with ``==``.

    Parameters
    ----------
    got, expected : object
        The student's answer and the reference.
    name, case : str
        For the message.

    Raises
    ------
    CheckFailed
        When they differ (naming the first wrong key or position).

    Examples
    --------
    >>> expect_equal({"a": "0", "b": "10"}, {"a": "0", "b": "11"}, "codes", "case 1")
    Traceback (most recent call last):
    ...
    eie_lab.grading.checks._core.CheckFailed: case 1: codes expected {'a': '0', 'b': '11'}, got {'a': '0', 'b': '10'}; first wrong key 'b': expected '11', got '10'
    """
    if got != expected:
        detail = ""
        if isinstance(expected, dict) and isinstance(got, dict):
            keys = [k for k in expected if got.get(k, object()) != expected[k]]
            extra = [k for k in got if k not in expected]
            if keys:
                k = keys[0]
                detail = f"; first wrong key {k!r}: expected {expected[k]!r}, got {got.get(k)!r}"
            elif extra:
                detail = f"; unexpected key {extra[0]!r}"
        elif isinstance(expected, (list, str)) and isinstance(got, (list, str)):
            n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b),
                     min(len(expected), len(got)))
            detail = (f"; lengths {len(expected)} vs {len(got)}, first difference at "
                      f"position {n}")
        shown_e, shown_g = describe(expected), describe(got)
        raise CheckFailed(f"{case}: {name} expected {shown_e}, got {shown_g}{detail}")


def cases(seed: int, n: int, label: str = "hidden case") -> Iterator[tuple[str, np.random.Generator]]:
    """``n`` labelled random cases, each with its own generator derived from ``seed``.

    Parameters
    ----------
    seed : int
        Root seed (``np.random.SeedSequence(seed).spawn(n)``).
    n : int
        Number of cases.
    label : str
        Prefix of each case's name.

    Returns
    -------
    iterator of (str, numpy.random.Generator)

    Examples
    --------
    >>> [(name, int(rng.integers(100))) for name, rng in cases(0, 2)]
    [('hidden case 1/2', 80), ('hidden case 2/2', 66)]
    """
    for i, child in enumerate(np.random.SeedSequence(seed).spawn(n)):
        yield f"{label} {i + 1}/{n}", np.random.default_rng(child)
