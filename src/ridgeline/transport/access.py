"""Who may say what on the broker: users, passwords and the topic ACL, one definition for both brokers.

Ridgeline's rules, the same on Mosquitto (``deploy/mosquitto/acl``, written from here) and
on the embedded broker (which evaluates them here):

- the centre's ingest workers (users ``centre``, ``centre-2``...) read every site's data,
  write commands (confirmations) to any site, and write what the centre itself says under
  ``ridgeline/v1/centre/`` (escalations); no site can, its user name being no ``centre``;
- a site (user name = site id) writes only its own data topics and reads only its own
  commands — so only the centre can confirm, and a site speaks only for itself;
- a client's id is its user name (Mosquitto's ``use_username_as_clientid``), so no one can
  take over another's session; anonymous clients are refused.

Passwords are stored as Mosquitto stores them (``$7$``: PBKDF2-SHA512), so one ``passwd``
file serves both brokers.  ``BrokerUsers`` keeps a folder of them: ``passwd``, ``acl`` and
one ``<user>.secret`` per user (mode 0600) for the process that logs in as that user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from paho.mqtt.client import topic_matches_sub

from ridgeline.errors import BrokerError, ConfigError
from ridgeline.model import MessageType
from ridgeline.transport.broker import centre_worker_user
from ridgeline.transport.wire import PREFIX

CENTRE = "centre"
#: where the centre says what it did (``centre_topic``); ingest ignores these topics
CENTRE_TOPICS = f"{PREFIX}/{CENTRE}/#"
#: how many centre worker users a users folder holds unless told otherwise
DEFAULT_WORKERS = 4
#: the data topics a site may publish on (everything but commands)
SITE_TYPES = tuple(t.value for t in MessageType)
_ITERATIONS = 101  # Mosquitto's own; the passwords are random tokens, not words to guess


@dataclass(frozen=True)
class Rule:
    """One ACL line: ``pattern`` rules apply to every user with ``%u`` replaced by the user name."""

    access: str  # "read" or "write"
    topic: str
    user: str | None = None  # None: a pattern for every user


def centre_topic(name: str) -> str:
    """The topic the centre publishes ``name`` on (``escalations``: one escalation event each)."""
    return f"{PREFIX}/{CENTRE}/{name}"


def is_centre_topic(topic: str) -> bool:
    """Whether a topic is one the centre publishes on (not a site's data)."""
    return topic_matches_sub(CENTRE_TOPICS, topic)


def rules(workers: int = DEFAULT_WORKERS) -> list[Rule]:
    """The ACL: the centre's worker users, then the patterns every site follows."""
    out: list[Rule] = []
    for i in range(workers):
        user = centre_worker_user(CENTRE, i) or CENTRE
        out += [Rule("read", "ridgeline/v1/#", user), Rule("write", "ridgeline/v1/+/cmd/#", user),
                Rule("write", CENTRE_TOPICS, user)]
    out += [Rule("write", f"ridgeline/v1/%u/{t}") for t in SITE_TYPES]
    out.append(Rule("read", "ridgeline/v1/%u/cmd/#"))
    return out


def acl_text(workers: int = DEFAULT_WORKERS) -> str:
    """The Mosquitto ``acl_file`` for these rules."""
    lines = ["# Who may publish and subscribe where (Mosquitto acl_file), written by `ridgeline broker users`.",
             "# The embedded broker applies the same rules (ridgeline.transport.access).", ""]
    lines.append("# The centre's ingest workers read every site's data, send commands (confirmations) and say what")
    lines.append("# the centre did under ridgeline/v1/centre/ (escalations).")
    current: str | None = None
    for rule in rules(workers):
        if rule.user is not None:
            if rule.user != current:
                lines.append(f"user {rule.user}")
                current = rule.user
            lines.append(f"topic {rule.access} {rule.topic}")
    lines += ["", "# A site (user name = site id) publishes only under its own topics and reads only its own",
              "# commands.  (Patterns come last: lines after a 'user' line would belong to that user.)"]
    lines += [f"pattern {r.access} {r.topic}" for r in rules(workers) if r.user is None]
    return "\n".join(lines) + "\n"


def _covers(rule: str, filter_: str) -> bool:
    """Whether every topic ``filter_`` can match is matched by ``rule`` (a subscription check)."""
    r, f = rule.split("/"), filter_.split("/")
    for i, level in enumerate(r):
        if level == "#":
            return True
        if i >= len(f):
            return False
        if level == "+":
            if f[i] == "#":
                return False
            continue
        if f[i] != level:
            return False
    return len(r) == len(f)


class AccessRules:
    """The ACL evaluated in-process (the embedded broker), as Mosquitto evaluates its file."""

    def __init__(self, workers: int = DEFAULT_WORKERS) -> None:
        self.rules = rules(workers)

    def _topics(self, user: str | None, access: str) -> list[str]:
        if not user or "/" in user or "+" in user or "#" in user:
            return []
        return [r.topic.replace("%u", user) for r in self.rules
                if r.access == access and (r.user is None or r.user == user)]

    def may_publish(self, user: str | None, topic: str) -> bool:
        return any(topic_matches_sub(t, topic) for t in self._topics(user, "write"))

    def may_receive(self, user: str | None, topic: str) -> bool:
        return any(topic_matches_sub(t, topic) for t in self._topics(user, "read"))

    def may_subscribe(self, user: str | None, filter_: str) -> bool:
        return any(_covers(t, filter_) for t in self._topics(user, "read"))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A Mosquitto ``$7$`` password hash."""
    salt = salt or os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS, 64)
    return f"$7${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (any other format: no)."""
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        want = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(iterations), len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


class BrokerUsers:
    """A folder of broker users: ``passwd``, ``acl`` and a ``<user>.secret`` per user."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def passwd(self) -> Path:
        return self.folder / "passwd"

    @property
    def acl(self) -> Path:
        return self.folder / "acl"

    def secret_file(self, user: str) -> Path:
        return self.folder / f"{user}.secret"

    def hashes(self) -> dict[str, str]:
        """user -> password hash, from ``passwd``."""
        if not self.passwd.is_file():
            raise BrokerError(f"broker users {self.folder}: no passwd file (create it: ridgeline broker users)")
        out: dict[str, str] = {}
        for number, line in enumerate(self.passwd.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            user, sep, stored = line.partition(":")
            if not sep or not user:
                raise BrokerError(f"{self.passwd} line {number}: expected user:hash")
            out[user] = stored
        return out

    def password(self, user: str) -> str:
        """The password of ``user``, from its secret file."""
        path = self.secret_file(user)
        if not path.is_file():
            raise BrokerError(f"broker users {self.folder}: no password for {user!r} ({path.name} is missing)")
        return path.read_text().strip()

    def ensure(self, sites: Iterable[str], workers: int = DEFAULT_WORKERS) -> list[str]:
        """Create every missing user (the centre's workers, then each site) with a random
        password, and write ``passwd`` and ``acl``; existing passwords are kept.  The users created."""
        sites = list(sites)
        reserved = [s for s in sites if s == CENTRE or s.startswith(f"{CENTRE}-")]
        if reserved:
            raise ConfigError(f"site id {reserved[0]!r}: names starting with {CENTRE!r} are the centre's")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            known = self.hashes() if self.passwd.is_file() else {}
            centre_password = self._secret(CENTRE, known)
            users = {CENTRE: centre_password}
            for i in range(1, workers):  # every worker logs in with the centre's password
                users[centre_worker_user(CENTRE, i) or CENTRE] = centre_password
            for site in sites:
                users[site] = self._secret(site, known)
            created = [u for u in users if u not in known]
            for user in created:
                known[user] = hash_password(users[user])
            self._write(self.passwd, "".join(f"{u}:{h}\n" for u, h in known.items()))
            self._write(self.acl, acl_text(workers))
        except OSError as exc:
            raise BrokerError(f"broker users {self.folder}: {exc}") from exc
        return created

    def _secret(self, user: str, known: dict[str, str]) -> str:
        path = self.secret_file(user)
        if path.is_file() and user in known:
            return path.read_text().strip()
        password = secrets.token_urlsafe(24)
        self._write(path, password + "\n")
        return password

    @staticmethod
    def _write(path: Path, text: str) -> None:
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
