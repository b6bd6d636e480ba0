"""Hostile submissions graded by the real command: each scores only the work actually done.

One ``eie-lab autograde`` run grades every ex01 attack of issue 12 side by side with two honest
classmates (one of them the target of sabotage); a second run grades the ex03 object whose
``!=`` is always False. Every attack starts from the unsolved exercise (0 points of work) unless
its name says otherwise, so any point it earns is a point the grader gave away.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from eie_lab.cli import main
from eie_lab.grading.notebook_io import grade_id, read_notebook, write_notebook
from eie_lab.grading.sandbox import sandbox_level

ROOT = Path(__file__).resolve().parents[1]
LEVEL = sandbox_level()
# As the grader's own user (no bubblewrap, not root) a sabotage test would really damage the
# checkout: these attacks are only graded where the sandbox stops them (README: what it cannot).
pytestmark = [pytest.mark.grading, pytest.mark.skipif(
    LEVEL == "rlimits", reason="needs bubblewrap or root (sandbox level 'rlimits' here)")]
LEAK = "LEAK-MARKER-7f3a"
BWRAP_ONLY = {"reads_solutions"}  # at level 'uid' world-readable files stay readable


def _edit(nb, **sources):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if grade_id(cell) in sources:
            cell.source = sources[grade_id(cell)]
    return nb


def points(nb) -> dict[str, float]:
    """Answer cell's grade id -> the points of its test cell (the solution's nbgrader metadata)."""
    return {grade_id(c).removeprefix("test_"): float(c.metadata["nbgrader"]["points"])
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}


def points_before(nb, gid: str) -> float:
    """Points of the test cells above the cell ``gid`` (earned before it kills the kernel)."""
    stop = next(i for i, c in enumerate(nb.cells) if grade_id(c) == gid)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in nb.cells[:stop]
               if c.metadata.get("nbgrader", {}).get("grade"))


def _attacks(subs: Path, out: Path, victim: Path) -> dict[str, tuple]:
    """name -> (notebook, expected score)."""
    sol = read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb")
    pts = points(sol)
    total = sum(pts.values())
    # global_magnitude_prune calls magnitude_prune: an answer calling the package loses both
    package_score = total - pts["magnitude_prune"] - pts["global_magnitude_prune"]
    mp_source = next(c.source for c in sol.cells if grade_id(c) == "magnitude_prune")
    stub = read_notebook(ROOT / "exercises" / "ex01_pruning.ipynb")
    checks_file = ROOT / "eie_lab" / "grading" / "checks" / "ex01_pruning.py"
    attacks = {
        "noop_checks": (_edit(stub, magnitude_prune=(
            "for name in dir(checks):\n"
            "    if name.startswith('check_'):\n"
            "        setattr(checks, name, lambda *a, **k: None)\n"
            "try:\n"
            "    import eie_lab.grading.checks._core as core\n"
            "    core.expect_array = core.expect_number = core.expect_equal = "
            "lambda *a, **k: None\n"
            "except Exception:\n"
            "    pass\n")), 0),
        "patched_numpy": (_edit(stub, magnitude_prune=(
            "np.all = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
            "np.isclose = lambda a, b, **k: np.ones(np.shape(a), bool)\n"
            "np.ndarray.__eq__ = lambda *a: True\n")), 0),
        "fake_checks_module": (_edit(stub, magnitude_prune=(
            "import sys, types\n"
            "fake = types.ModuleType('eie_lab.grading.checks.ex01_pruning')\n"
            "fake.__getattr__ = lambda name: (lambda *a, **k: None)\n"
            "sys.modules['eie_lab.grading.checks.ex01_pruning'] = fake\n"
            "sys.modules['eie_lab.grading.checks'].ex01_pruning = fake\n"
            "checks = fake\n")), 0),
        "exception_handler": (_edit(stub, magnitude_prune=(
            "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n")), 0),
        "input_transformer": (_edit(stub, magnitude_prune=(
            "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n")), 0),
        "reads_reference": (_edit(stub, magnitude_prune=(
            "def magnitude_prune(w, sparsity):\n"
            "    from eie_lab.grading.checks.ex01_pruning import REFERENCE\n"
            "    return REFERENCE['magnitude_prune'](w, sparsity)\n")), 0),
        # part 4 (global pruning) calls magnitude_prune too; the rest is own work
        "calls_package": (_edit(sol, magnitude_prune=(
            "from eie_lab.compression.prune import magnitude_prune\n")), package_score),
        "calls_package_inside": (_edit(sol, magnitude_prune=(
            "def magnitude_prune(w, sparsity):\n"
            "    import eie_lab.compression.prune as p\n"
            "    return p.magnitude_prune(w, sparsity)\n")), package_score),
        "reads_solutions": (_edit(stub, magnitude_prune=(
            "import json\n"
            f"for path in [{str(ROOT / 'solutions' / 'ex01_pruning.ipynb')!r}, {str(victim)!r}]:\n"
            "    try:\n"
            "        nb = json.load(open(path))\n"
            "    except OSError:\n"
            "        continue\n"
            "    for c in nb['cells']:\n"
            "        if c['cell_type'] == 'code' and 'def ' in ''.join(c['source']):\n"
            "            exec(''.join(c['source']))\n")), 0),
        "sabotage": (_edit(stub, magnitude_prune=(
            "import os, subprocess, sys\n"
            f"targets = [{str(victim)!r}, {str(out)!r}, {str(out.with_name('old.csv'))!r},\n"
            f"           {str(checks_file)!r}, {str(ROOT / 'solutions' / 'ex01_pruning.ipynb')!r}]\n"
            "for t in targets:\n"
            "    try:\n"
            "        open(t, 'w').write('{}')\n"
            "    except OSError:\n"
            "        pass\n"
            "code = ('import time\\ntime.sleep(3)\\n'\n"
            "        'for t in %r:\\n'\n"
            "        '    try: open(t, \"w\").write(\"hacked\")\\n'\n"
            "        '    except OSError: pass\\n') % (targets,)\n"
            "subprocess.Popen([sys.executable, '-c', code], start_new_session=True,\n"
            "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,\n"
            "                 stderr=subprocess.DEVNULL)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    import time\n"
            "    time.sleep(3)\n"
            "    os._exit(0)\n"),
            test_magnitude_prune="pass  # the student 'fixed' the test"), 0),
        "startup_file": (_edit(stub, magnitude_prune=(
            "import os, pathlib\n"
            "for home in [os.path.expanduser('~'), '/root', os.environ.get('IPYTHONDIR', '')]:\n"
            "    try:\n"
            "        d = pathlib.Path(home, '.ipython', 'profile_default', 'startup')\n"
            "        d.mkdir(parents=True, exist_ok=True)\n"
            "        (d / '00-pwn.py').write_text('import builtins; builtins.PWNED = 1')\n"
            "    except OSError:\n"
            "        pass\n")), 0),
        "kills_parent": (_edit(sol, prune_by_std=(
            "import os, signal\n"
            "for pid in (os.getppid(), 1):\n"
            "    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError:\n"
            "        pass\n"
            "os.killpg(0, signal.SIGKILL)\n")), points_before(sol, "prune_by_std")),
        "leaks_feedback": (_edit(stub, magnitude_prune=(
            "class Leak(Exception):\n    pass\n"
            f"Leak.__name__ = {LEAK!r} + ' check_magnitude_prune(magnitude_prune, hidden=True)'\n"
            "def magnitude_prune(w, sparsity):\n"
            f"    raise Leak({LEAK!r} + ' ### BEGIN HIDDEN TESTS')\n"
            "def prune_by_std(w, quality):\n"
            f"    raise ValueError({LEAK!r})\n")), 0),
        # graded after startup_file: a planted startup file would break this honest answer
        "takes_the_startup_file": (_edit(sol, magnitude_prune=(
            "import builtins\nassert not hasattr(builtins, 'PWNED')\n"
            + mp_source)), total),
    }
    dup = nbformat.from_dict(json.loads(json.dumps(sol)))
    test_cell = next(c for c in dup.cells if grade_id(c) == "test_magnitude_prune")
    dup.cells.insert(1, nbformat.from_dict(json.loads(json.dumps(test_cell))))
    attacks["duplicate_test_cell"] = (dup, total)
    deleted = nbformat.from_dict(json.loads(json.dumps(sol)))
    deleted.cells = [c for c in deleted.cells if not (grade_id(c) or "").startswith("test_")]
    attacks["deleted_tests"] = (deleted, 0)
    attacks["honest"] = (sol, total)
    return attacks


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    subs, grades = tmp / "subs", tmp / "grades"
    out = grades / "gradebook.csv"
    victim = subs / "victim.ipynb"
    attacks = _attacks(subs, out, victim)
    write_notebook(read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb"), victim)
    for name, (nb, _) in attacks.items():
        write_notebook(nb, subs / f"{name}.ipynb")
    (subs / "folder.ipynb").mkdir()  # an argument that is a folder named like a notebook
    (grades).mkdir()
    (grades / "old.csv").write_text("old gradebook\n")
    watched = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in [
        ROOT / "eie_lab" / "grading" / "checks" / "ex01_pruning.py",
        ROOT / "solutions" / "ex01_pruning.ipynb", grades / "old.csv"]}
    args = ["autograde", *map(str, sorted(subs.glob("*.ipynb"))), "--assignment", "ex01_pruning",
            "--source", str(ROOT / "solutions"), "--out", str(out), "--feedback",
            str(tmp / "feedback"), "--feedback-format", "md", "--timeout", "10", "--jobs", "2"]
    code = main(args)
    csv_after = out.read_bytes()
    time.sleep(4)  # anything left behind would strike now
    with out.open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    total = sum(points(read_notebook(ROOT / "solutions" / "ex01_pruning.ipynb")).values())
    expected = {name: score for name, (_, score) in attacks.items()} | {"victim": total}
    return {"code": code, "rows": rows, "expected": expected, "tmp": tmp, "out": out,
            "csv_after": csv_after, "watched": watched, "args": args}


def test_every_argument_has_a_row(graded):
    rows = graded["rows"]
    assert set(rows) == set(graded["expected"]) | {"folder"}
    assert rows["folder"]["status"] == "error" and "folder" in rows["folder"]["reason"]
    assert graded["code"] == 0


@pytest.mark.parametrize("name", [
    "noop_checks", "patched_numpy", "fake_checks_module", "exception_handler",
    "input_transformer", "reads_reference", "calls_package", "calls_package_inside",
    "reads_solutions", "sabotage", "startup_file", "kills_parent", "leaks_feedback",
    "takes_the_startup_file", "duplicate_test_cell", "deleted_tests", "honest", "victim"])
def test_scores_only_the_work_done(graded, name):
    if name in BWRAP_ONLY and LEVEL != "bwrap":
        pytest.skip("only the bwrap level hides solutions/ (README: what the sandbox cannot do)")
    row = graded["rows"][name]
    assert float(row["score"]) == graded["expected"][name], row["reason"]
    assert row["sandbox"] == LEVEL


def test_calling_the_package_scores_zero_with_that_reason(graded):
    page = (graded["tmp"] / "feedback" / "calls_package.md").read_text()
    assert "eie-lab's own implementation" in page and "write it yourself" in page
    assert "eie_lab.compression.prune" in page


def test_sabotage_changes_nothing_of_the_graders(graded):
    assert graded["out"].read_bytes() == graded["csv_after"]  # nothing rewrote it afterwards
    for path, digest in graded["watched"].items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path
    assert "restored" in graded["rows"]["sabotage"]["reason"]


def test_no_process_is_left_running(graded):
    left = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            uid = int(next(line for line in status.splitlines() if line.startswith("Uid:"))
                      .split()[1])
            if 61000 <= uid < 61000 + 60 * 64:
                left.append(entry)
    assert left == []


def test_feedback_leaks_nothing(graded):
    pages = {p.stem: p.read_text() for p in (graded["tmp"] / "feedback").glob("*.md")}
    assert len(pages) == len(graded["rows"])
    for text in pages.values():
        assert LEAK not in text and "BEGIN HIDDEN" not in text and "hidden=True" not in text
        assert "### BEGIN SOLUTION" not in text
    assert "a class defined in the submission" in pages["leaks_feedback"]
    assert "raised NotImplementedError" in pages["leaks_feedback"]  # built-in names shown


def test_duplicates_and_deleted_tests_are_explained(graded):
    rows = graded["rows"]
    assert "the last copy was graded" in rows["duplicate_test_cell"]["reason"]
    assert "was deleted" in rows["deleted_tests"]["reason"]
    assert "not the ex01_pruning notebook" not in rows["deleted_tests"]["reason"]
    assert rows["kills_parent"]["status"] == "ok"
    assert "kernel died" in rows["kills_parent"]["reason"]


def test_rerun_resumes_without_grading_again(graded, capsys):
    journal = graded["out"].with_name("gradebook.journal.jsonl")
    lines = journal.read_text().splitlines()
    assert main(graded["args"]) == 0
    assert journal.read_text().splitlines() == lines  # nothing graded twice
    with graded["out"].open() as fh:
        assert {r["student"]: r["score"] for r in csv.DictReader(fh)} == {
            s: r["score"] for s, r in graded["rows"].items()}


def test_neq_always_false_and_package_calls_on_ex03(tmp_path):
    sol = read_notebook(ROOT / "solutions" / "ex03_huffman.ipynb")
    stub = read_notebook(ROOT / "exercises" / "ex03_huffman.ipynb")
    liar = ("class Liar:\n"
            "    def __ne__(self, other): return False\n"
            "    def __eq__(self, other): return True\n"
            "    def __len__(self): return 0\n"
            "    def __iter__(self): return iter(())\n"
            "    def __float__(self): return 0.0\n")
    parts = ["code_lengths", "canonical_code", "encode", "decode", "expected_length", "entropy"]
    answers = {p: (liar if i == 0 else "") + f"def {p}(*args):\n    return Liar()\n"
               for i, p in enumerate(parts)}
    write_notebook(_edit(stub, **answers), tmp_path / "subs" / "liar.ipynb")
    write_notebook(sol, tmp_path / "subs" / "honest.ipynb")
    write_notebook(_edit(sol, code_lengths=(  # the readable package function, renamed
        "from eie_lab.compression.huffman import huffman_lengths as code_lengths\n")),
        tmp_path / "subs" / "package.ipynb")
    out = tmp_path / "grades.csv"
    assert main(["autograde", str(tmp_path / "subs"), "--assignment", "ex03_huffman",
                 "--source", str(ROOT / "solutions"), "--out", str(out), "--jobs", "2"]) == 0
    with out.open() as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    pts = points(sol)
    total = sum(pts.values())
    assert float(rows["liar"]["score"]) == 0 and float(rows["honest"]["score"]) == total
    assert (float(rows["package"]["test_code_lengths"]), float(rows["package"]["score"])) == (
        0, total - pts["code_lengths"])
