"""The class store (app/classroom/store.py): one suite, run against the embedded SQLite store
and a real redis-server on loopback; both must behave the same."""
import multiprocessing
import os
import time

import pytest

from app.classroom.store import (
    BANNER_CHARS,
    NAME_CHARS,
    Command,
    RedisStore,
    SqliteStore,
    Summary,
    clean_text,
    open_store,
)
from tools.redis import redis_server

TTL = 0.6  # a short life for learners' entries, so expiry is tested in about a second


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "redis"])
def store(request):
    if request.param == "sqlite":
        made = SqliteStore(learner_ttl=TTL)
    else:
        url = request.getfixturevalue("redis_url")
        made = RedisStore(url, prefix=f"test:{request.node.name}:{time.time()}:",
                          learner_ttl=TTL)
    yield made
    made.close()


def summary(learner="a", **changes):
    fields = dict(id=learner, name=f"learner {learner}", width=2, epoch=10, loss=0.1,
                  spark=[0.2, 0.1], lesson=3, done=True, challenge="", training=True,
                  seen=time.time())
    return Summary(**{**fields, **changes})


def test_learners_publish_and_the_latest_summary_is_listed(store):
    assert store.learners() == []
    store.publish(summary("a"))
    store.publish(summary("b", width=1))
    store.publish(summary("a", epoch=20, loss=0.05))
    listed = store.learners()
    assert [s.id for s in listed] == ["a", "b"]
    assert listed[0] == summary("a", epoch=20, loss=0.05, seen=listed[0].seen)
    assert listed[1].width == 1


def test_entries_expire_and_leave_removes_at_once(store):
    store.publish(summary("a"))
    store.publish(summary("b"))
    store.leave("b")
    assert [s.id for s in store.learners()] == ["a"]
    time.sleep(TTL + 0.3)
    assert store.learners() == []


def test_a_learner_who_keeps_publishing_stays(store):
    for _ in range(4):
        store.publish(summary("a"))
        time.sleep(TTL / 3)
    assert [s.id for s in store.learners()] == ["a"]


def test_commands_arrive_in_order_once_each(store):
    start = store.last_seq()
    first = store.send(Command("lesson", 3))
    second = store.send(Command("banner", "look up", to=["b"]))
    assert second > first > start
    got = store.commands_after(start)
    assert [(c.kind, c.value, c.to, c.seq) for c in got] == [
        ("lesson", 3, [], first), ("banner", "look up", ["b"], second)]
    assert [c.seq for c in store.commands_after(first)] == [second]
    assert store.commands_after(second) == []
    assert store.last_seq() == second
    assert got[0].reaches("a") and got[1].reaches("b") and not got[1].reaches("a")


def test_learner_numbers_count_up(store):
    assert [store.next_number() for _ in range(3)] == [1, 2, 3]


def _publish_from_child(store, learner):
    store.publish(summary(learner))
    store.send(Command("pause"))


def test_forked_processes_share_the_store(store):
    """--num-procs forks its workers after the store is made: what one writes, all read."""
    store.publish(summary("parent"))
    child = multiprocessing.get_context("fork").Process(target=_publish_from_child,
                                                        args=(store, "child"))
    child.start()
    child.join(10)
    assert child.exitcode == 0
    assert [s.id for s in store.learners()] == ["child", "parent"]
    assert [c.kind for c in store.commands_after(0)] == ["pause"]


def test_servers_of_one_class_agree_on_the_teachers_key(store):
    """Another server of the class (a store opened on the same file or Redis) proposes its
    own key and gets the first one: the teacher's address works whichever server answers."""
    other = (SqliteStore(store.folder) if isinstance(store, SqliteStore)
             else RedisStore(store.url, prefix=store.prefix))
    try:
        assert store.agree_key("first-key") == "first-key"
        assert other.agree_key("second-key") == "first-key"
        assert store.agree_key("third-key") == "first-key"
    finally:
        other.close()


def test_only_known_commands_exist_and_values_are_tidied():
    with pytest.raises(ValueError):
        Command("shutdown")
    with pytest.raises(ValueError):
        Command("lesson", "three")
    assert Command("pause", "anything").value is None
    banner = Command("banner", "hi\x00\n<b>" + "x" * 500)
    assert banner.value.startswith("hi <b>") and len(banner.value) == BANNER_CHARS


def test_names_lose_control_characters_and_length():
    assert clean_text("  Ada\u202e\x07 \n Lovelace ", NAME_CHARS) == "Ada Lovelace"
    assert len(clean_text("y" * 100, NAME_CHARS)) == NAME_CHARS


def test_the_embedded_store_leaves_nothing_when_closed():
    store = SqliteStore()
    store.publish(summary("a"))
    folder = store.folder
    store.close()
    assert not os.path.exists(folder)


def test_redis_keys_expire(redis_url):
    """Nothing a class writes to Redis outlives it: every key has a TTL."""
    import redis

    store = RedisStore(redis_url, prefix="ttl:")
    store.publish(summary("a"))
    store.send(Command("pause"))
    store.next_number()
    store.agree_key("secret")
    client = redis.Redis.from_url(redis_url)
    keys = client.keys("ttl:*")
    assert len(keys) >= 5 and all(client.ttl(key) > 0 for key in keys)
    store.close()


def test_open_store_names_the_backend(redis_url):
    assert isinstance(open_store(redis_url), RedisStore)
    embedded = open_store(None)
    assert isinstance(embedded, SqliteStore)
    embedded.close()
    with pytest.raises(ValueError):
        open_store("mysql://x")
