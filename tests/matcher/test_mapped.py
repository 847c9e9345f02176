"""Memory-mapped index files: same answers as the index that wrote them, arrays shared."""

import json

import numpy as np
import pytest

from matcher import IndexVersionError, Posting
from matcher.mapped import load_mapped, save_mapped
from matcher.persist import save_index
from tests.matcher.conftest import NEEDS, OFFERS


def test_mapped_index_answers_as_the_original(fresh_index, tmp_path):
    path = tmp_path / "index.zqm"
    save_mapped(fresh_index, path)
    loaded = load_mapped(path)
    for need in NEEDS:
        assert loaded.match_need(need, top=5) == fresh_index.match_need(need, top=5)
    for offer in OFFERS:
        assert loaded.match_offer(offer, top=5) == fresh_index.match_offer(offer, top=5)


def test_large_arrays_are_views_of_the_file_and_changes_stay_private(fresh_index, tmp_path):
    path = tmp_path / "index.zqm"
    save_mapped(fresh_index, path)
    before = path.read_bytes()
    loaded = load_mapped(path)
    X = loaded.offers_.X
    for array in (X.data, X.indices, X.indptr, loaded.offers_.alive):
        assert not array.flags.owndata and array.ctypes.data % 64 == 0
    assert np.array_equal(X.toarray(), fresh_index.offers_.X.toarray())
    loaded.remove("o1")  # writes the alive flags: a private copy of the page
    loaded.add_offer(Posting("o9", "知识产权质押融资服务"))
    assert all(m.offer_id != "o1" for m in loaded.match_need(NEEDS[0], top=10))
    assert path.read_bytes() == before
    assert load_mapped(path).match_need(NEEDS[0])[0].offer_id == "o1"


def test_a_pickled_index_file_is_not_taken_for_a_mapped_one(fresh_index, tmp_path):
    path = tmp_path / "index.zqi"
    save_index(fresh_index, path)
    with pytest.raises(IndexVersionError, match="memory-mapped"):
        load_mapped(path)
    header = json.loads(path.read_bytes().split(b"\n", 1)[0])
    assert "layout" not in header
