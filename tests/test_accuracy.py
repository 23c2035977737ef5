import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
_spec = importlib.util.spec_from_file_location("accuracy", ROOT / "scripts" / "accuracy.py")
accuracy = sys.modules.setdefault("accuracy", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(accuracy)


def test_every_check_reaches_its_target():
    checks = accuracy.measure(CORPUS)
    assert {(c.corpus, c.what): (c.agreed, c.total) for c in checks} == {
        ("mn-ag", "titles = labels.csv Headline"): (21, 21),
        ("mn-ag", "dates = labels.csv Date"): (21, 21),
        ("mn-ag", "dates read from the dateline"): (20, 21),
        ("seed", "fields of the press-release text"): (8, 8),
        ("dinum", "title = front matter"): (33, 33),
        ("dinum", "date = front matter"): (33, 33),
        ("dinum", "kind = categories"): (33, 33),
        ("dinum", "front-matter contact found"): (9, 9),
        ("dinum", "drafts = published: false"): (33, 33),
    }
    assert all(c.passed for c in checks)


def test_script_prints_the_table_and_exits_zero(capsys):
    assert accuracy.main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["corpus", "check", "agreed", "share", "target", "ok"]
    assert "mn-ag   titles = labels.csv Headline           21/21  100.0%     99%  yes" in out


def test_missing_corpus_exits_two(tmp_path, capsys):
    assert accuracy.main([str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize(("title", "folded"), [
    ("Ellison’s ‘Don’t Say Gay’ — “law”", "ellison's 'don't say gay' - \"law\""),
    ("  Two\u00a0 spaces\n", "two spaces"),
])
def test_reader_form(title, folded):
    assert accuracy.reader_form(title) == folded
