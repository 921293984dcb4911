"""The class store: what learners publish and what the teacher sends, shared by every process.

Two backends with one interface: ``SqliteStore``, a SQLite file in a private folder the parent
process makes before ``--num-procs`` forks (in /dev/shm when there is one, so nothing reaches a
disk, and removed when the class ends); and ``RedisStore`` (``--class-store redis://...``) for
servers on several machines, whose keys all carry a TTL so a class leaves nothing behind.

A learner's entry lives ``LEARNER_TTL_S`` after its last publication (a closed tab leaves the
list within that time even if its session never said goodbye). Commands get increasing
sequence numbers; each learner asks for those after the last one it saw.
"""
import json
import os
import shutil
import sqlite3
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field

LEARNER_TTL_S = 6.0  # a learner publishes every second; gone after this long without
COMMAND_TTL_S = 60.0  # a command older than this is no longer delivered
CLASS_TTL_S = 24 * 3600  # Redis: what a class wrote expires a day after it last wrote
NAME_CHARS = 24
SPARK_POINTS = 30
KINDS = ("lesson", "pause", "banner", "open")  # the only teacher commands there are
BANNER_CHARS = 200
LINK_CHARS = 2000


def clean_text(text, limit: int) -> str:
    """``text`` as one line without control characters, at most ``limit`` characters (shown
    escaped wherever it appears: this is not the escaping, only the tidying)."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(text))
    return " ".join(text.split())[:limit]


@dataclass
class Summary:
    """What one learner's session publishes: computed by the server from its Session."""

    id: str
    name: str
    width: int
    epoch: int
    loss: float
    spark: list = field(default_factory=list)  # the loss at up to SPARK_POINTS epochs
    lesson: int = 0  # 0: the whole playground
    done: bool = False  # the lesson's task is done
    answer: str = ""  # the weight picked in a lesson that asks for one ('' if none)
    challenge: str = ""  # the challenge's result, in words ('' if not tried)
    training: bool = False
    seen: float = 0.0  # time.time() of the publication
    picture: dict = field(default_factory=dict)  # the network for the spotlight (spotlight.py)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Summary":
        return cls(**json.loads(text))


@dataclass
class Command:
    """What the teacher sends: ``kind`` (one of KINDS) with its ``value``, to the learners
    whose ids are in ``to`` (everyone when empty)."""

    kind: str
    value: object = None
    to: list = field(default_factory=list)
    seq: int = 0  # given by the store

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"no such class command: {self.kind!r}")
        if self.kind == "lesson":
            self.value = int(self.value)
        elif self.kind == "banner":
            self.value = clean_text(self.value or "", BANNER_CHARS)
        elif self.kind == "open":
            self.value = clean_text(self.value or "", LINK_CHARS)
        else:
            self.value = None
        self.to = [str(learner) for learner in self.to]

    def reaches(self, learner: str) -> bool:
        return not self.to or learner in self.to

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "value": self.value, "to": self.to})

    @classmethod
    def from_json(cls, text: str, seq: int) -> "Command":
        return cls(**json.loads(text), seq=seq)


class SqliteStore:
    """The embedded store: one SQLite file that the processes of one machine share. Each
    process opens its own connection (a connection must not cross a fork)."""

    def __init__(self, folder: str | None = None, learner_ttl: float = LEARNER_TTL_S):
        self.learner_ttl = learner_ttl
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self._owner = os.getpid() if folder is None else None  # the process that removes it
        self.folder = folder or tempfile.mkdtemp(prefix="tinynet-class-", dir=shm)  # mode 0700
        self.path = os.path.join(self.folder, "class.sqlite")
        self._connection, self._pid = None, None
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS learners "
                       "(id TEXT PRIMARY KEY, data TEXT, expires REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS commands "
                       "(seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, at REAL)")
            db.execute("CREATE TABLE IF NOT EXISTS counter (n INTEGER)")
            db.execute("CREATE TABLE IF NOT EXISTS teacher (key TEXT)")

    def _db(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            self._connection = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                               check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._pid = os.getpid()
        return self._connection

    def publish(self, summary: Summary) -> None:
        self._db().execute("INSERT OR REPLACE INTO learners VALUES (?, ?, ?)",
                           (summary.id, summary.to_json(), time.time() + self.learner_ttl))

    def leave(self, learner: str) -> None:
        self._db().execute("DELETE FROM learners WHERE id = ?", (learner,))

    def learners(self) -> list[Summary]:
        db = self._db()
        db.execute("DELETE FROM learners WHERE expires < ?", (time.time(),))
        rows = db.execute("SELECT data FROM learners ORDER BY id").fetchall()
        return [Summary.from_json(data) for (data,) in rows]

    def next_number(self) -> int:
        """1, 2, 3...: the number of the next learner to join ("learner 7")."""
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("UPDATE counter SET n = n + 1").rowcount == 0:
                db.execute("INSERT INTO counter VALUES (1)")
            return db.execute("SELECT n FROM counter").fetchone()[0]

    def agree_key(self, proposed: str) -> str:
        """The teacher's key of this class: the first one proposed (by any process)."""
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT COUNT(*) FROM teacher").fetchone()[0] == 0:
                db.execute("INSERT INTO teacher VALUES (?)", (proposed,))
            return db.execute("SELECT key FROM teacher").fetchone()[0]

    def send(self, command: Command) -> int:
        db = self._db()
        now = time.time()
        db.execute("DELETE FROM commands WHERE at < ?", (now - COMMAND_TTL_S,))
        return db.execute("INSERT INTO commands (data, at) VALUES (?, ?)",
                          (command.to_json(), now)).lastrowid

    def commands_after(self, seq: int) -> list[Command]:
        rows = self._db().execute("SELECT seq, data FROM commands WHERE seq > ? AND at >= ? "
                                  "ORDER BY seq", (seq, time.time() - COMMAND_TTL_S)).fetchall()
        return [Command.from_json(data, s) for s, data in rows]

    def last_seq(self) -> int:
        """The newest command's number (a learner who joins starts after it)."""
        return self._db().execute("SELECT COALESCE(MAX(seq), 0) FROM commands").fetchone()[0]

    def close(self) -> None:
        """End the class: close, and (if this store made its folder) remove the file."""
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None
        if self._owner == os.getpid():  # not a forked worker: its siblings still use it
            shutil.rmtree(self.folder, ignore_errors=True)


class RedisStore:
    """The store on a Redis server (``redis://HOST:PORT/DB``): servers on several machines
    share one class. Every key expires (learners after LEARNER_TTL_S, the rest CLASS_TTL_S
    after the class last wrote)."""

    def __init__(self, url: str, prefix: str = "tinynet:class:",
                 learner_ttl: float = LEARNER_TTL_S):
        import redis  # only class mode with Redis needs the client

        self.url, self.prefix, self.learner_ttl = url, prefix, learner_ttl
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._redis.ping()  # a wrong address is said at start, not in the first session

    def _key(self, name: str) -> str:
        return self.prefix + name

    def publish(self, summary: Summary) -> None:
        index = self._key("learners")
        with self._redis.pipeline() as p:
            p.set(self._key("learner:" + summary.id), summary.to_json(),
                  px=int(self.learner_ttl * 1000))
            p.zadd(index, {summary.id: time.time()})
            p.expire(index, CLASS_TTL_S)
            p.expire(self._key("teacher"), CLASS_TTL_S)  # the key lives while the class does
            p.execute()

    def leave(self, learner: str) -> None:
        with self._redis.pipeline() as p:
            p.delete(self._key("learner:" + learner))
            p.zrem(self._key("learners"), learner)
            p.execute()

    def learners(self) -> list[Summary]:
        ids = [i.decode() for i in self._redis.zrange(self._key("learners"), 0, -1)]
        if not ids:
            return []
        found = self._redis.mget([self._key("learner:" + i) for i in ids])
        gone = [i for i, data in zip(ids, found) if data is None]
        if gone:  # expired: their key went by itself, the index forgets them here
            self._redis.zrem(self._key("learners"), *gone)
        return sorted((Summary.from_json(data) for data in found if data is not None),
                      key=lambda s: s.id)

    def next_number(self) -> int:
        key = self._key("counter")
        with self._redis.pipeline() as p:
            p.incr(key)
            p.expire(key, CLASS_TTL_S)
            return p.execute()[0]

    def agree_key(self, proposed: str) -> str:
        """The teacher's key of this class: the first one proposed by any of its servers
        (so each accepts the key the others print, with nothing to hand around)."""
        key = self._key("teacher")
        self._redis.set(key, proposed, nx=True, ex=CLASS_TTL_S)
        return self._redis.get(key).decode()

    def send(self, command: Command) -> int:
        seq_key, log = self._key("seq"), self._key("commands")
        seq = self._redis.incr(seq_key)
        now = time.time()
        entry = json.dumps({"at": now, "command": command.to_json()})
        with self._redis.pipeline() as p:
            p.zadd(log, {entry: seq})
            p.zremrangebyrank(log, 0, -101)  # the last hundred commands at most
            p.expire(log, CLASS_TTL_S)
            p.expire(seq_key, CLASS_TTL_S)
            p.execute()
        return seq

    def commands_after(self, seq: int) -> list[Command]:
        found = self._redis.zrangebyscore(self._key("commands"), f"({seq}", "+inf",
                                          withscores=True)
        oldest = time.time() - COMMAND_TTL_S
        commands = []
        for entry, score in found:
            entry = json.loads(entry)
            if entry["at"] >= oldest:
                commands.append(Command.from_json(entry["command"], int(score)))
        return commands

    def last_seq(self) -> int:
        return int(self._redis.get(self._key("seq")) or 0)

    def close(self) -> None:
        self._redis.close()


def open_store(url: str | None):
    """The store a ``--class-store`` value names: a Redis URL, or None for the embedded one."""
    if url is None or url == "":
        return SqliteStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(f"--class-store wants redis://HOST:PORT/DB, not {url!r}")
