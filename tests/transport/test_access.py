"""Broker users and the ACL: one definition, written for Mosquitto and evaluated for the embedded broker."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ridgeline.errors import ConfigError
from ridgeline.transport.access import AccessRules, BrokerUsers, acl_text, hash_password, verify_password

from ..broker import DEPLOY


def test_the_shipped_acl_is_the_one_the_code_writes() -> None:
    assert (DEPLOY / "acl").read_text() == acl_text(4)


def test_only_the_centre_confirms_and_a_site_speaks_only_for_itself() -> None:
    acl = AccessRules(workers=2)
    assert acl.may_publish("gorham", "ridgeline/v1/gorham/events")
    assert acl.may_publish("gorham", "ridgeline/v1/gorham/status")
    assert not acl.may_publish("gorham", "ridgeline/v1/shelburne/events")
    assert not acl.may_publish("gorham", "ridgeline/v1/gorham/cmd/ack")  # only the centre confirms
    assert not acl.may_publish("gorham", "ridgeline/v1/shelburne/cmd/ack")
    assert acl.may_publish("centre", "ridgeline/v1/gorham/cmd/ack")
    assert acl.may_publish("centre-2", "ridgeline/v1/x/cmd/ack")
    assert not acl.may_publish("centre-3", "ridgeline/v1/x/cmd/ack")  # only as many workers as configured
    assert acl.may_receive("gorham", "ridgeline/v1/gorham/cmd/ack")
    assert not acl.may_receive("gorham", "ridgeline/v1/shelburne/cmd/ack")
    assert not acl.may_receive("gorham", "ridgeline/v1/shelburne/events")
    assert acl.may_subscribe("centre", "ridgeline/v1/+/+")
    assert acl.may_subscribe("gorham", "ridgeline/v1/gorham/cmd/ack")
    assert not acl.may_subscribe("gorham", "ridgeline/v1/+/cmd/ack")
    assert not acl.may_subscribe("gorham", "ridgeline/v1/#")
    for nobody in (None, "", "a/b", "+", "#"):
        assert not acl.may_publish(nobody, "ridgeline/v1/a/events")
    # what the centre says (escalations) only the centre may say
    assert acl.may_publish("centre", "ridgeline/v1/centre/escalations")
    assert acl.may_publish("centre-2", "ridgeline/v1/centre/escalations")
    assert not acl.may_publish("gorham", "ridgeline/v1/centre/escalations")
    assert not acl.may_publish("gorham", "ridgeline/v1/gorham/escalations")
    assert acl.may_subscribe("centre-2", "ridgeline/v1/centre/escalations")
    assert not acl.may_subscribe("gorham", "ridgeline/v1/centre/escalations")


@given(st.text(alphabet="abc/+#", max_size=12), st.text(alphabet="abc/+#", max_size=12))
def test_fuzz_topics_never_raise(user: str, topic: str) -> None:
    acl = AccessRules()
    for check in (acl.may_publish, acl.may_receive, acl.may_subscribe):
        assert check(user, topic) in (True, False)


def test_passwords_are_stored_as_mosquitto_stores_them(tmp_path: Path) -> None:
    stored = hash_password("s3cret")
    assert verify_password("s3cret", stored) and not verify_password("s3cret!", stored)
    assert not verify_password("x", "$6$salt$not-ours") and not verify_password("x", "garbage")
    passwd = tmp_path / "passwd"
    passwd.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "alice", "from-mosquitto"], check=True)
    assert verify_password("from-mosquitto", passwd.read_text().split(":", 1)[1].strip())


def test_users_are_created_once_and_kept(tmp_path: Path) -> None:
    folder = BrokerUsers(tmp_path / "users")
    created = folder.ensure(["gorham", "shelburne"], workers=2)
    assert created == ["centre", "centre-2", "gorham", "shelburne"]
    password = folder.password("gorham")
    assert (folder.secret_file("gorham").stat().st_mode & 0o777) == 0o600
    assert folder.ensure(["gorham", "shelburne", "pinkham"], workers=2) == ["pinkham"]
    assert folder.password("gorham") == password
    hashes = folder.hashes()
    assert verify_password(password, hashes["gorham"])
    assert verify_password(folder.password("centre"), hashes["centre-2"])
    assert folder.acl.read_text() == acl_text(2)
    with pytest.raises(ConfigError, match="'centre-9'"):
        folder.ensure(["centre-9"])
