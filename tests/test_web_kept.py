"""What the app keeps across requests: one Kept per app, memos bounded."""

from feeds.web import create_app
from feeds.web.feedcache import FeedCache
from feeds.web.kept import Memo


def test_a_memo_makes_each_value_once_and_forgets_all_when_full():
    memo, made = Memo(limit=2), []

    def make(value):
        return lambda: made.append(value) or value.upper()

    assert [memo.get_or("a", make("a")), memo.get_or("a", make("a")), memo.get_or("b", make("b"))] == ["A", "A", "B"]
    assert memo.get_or("c", make("c")) == "C"  # full: forgets a and b
    assert (dict(memo), made) == ({"c": "C"}, ["a", "b", "c"])


def test_each_app_keeps_its_own(site):
    first, second = (create_app({"DATABASE": ":memory:", "SITE": site}) for _ in range(2))
    assert first.kept is not second.kept and first.kept.feed_cache is not second.kept.feed_cache
    assert isinstance(first.kept.feed_cache, FeedCache) and first.kept.feed_cache.size == 512
    assert (first.kept.db, first.kept.source) == (None, None)
