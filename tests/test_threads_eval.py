"""Threading and response times on real customer-care conversations agree with an independent count."""

from __future__ import annotations

import json
import sys

import pytest

from .conftest import ROOT, SHARED

DATA = SHARED / "threads" / "ibm-customer-care-dev.json"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="../shared/data/threads is not here")


def test_luisterpost_and_an_independent_implementation_agree_on_real_threads():
    sys.path.insert(0, str(ROOT / "bench"))
    import eval_threads

    dialogs = json.loads(DATA.read_text(encoding="utf-8"))
    ours, theirs = eval_threads.luisterpost(dialogs), eval_threads.independent(dialogs)
    assert ours == pytest.approx(theirs)
    assert ours["cases"] > 500 and 0.5 < ours["rate"] < 1
