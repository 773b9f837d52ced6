"""Passwords are hidden in every URL form, and moved out of / back into URLs exactly."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from mining.secrets import (
    MASK,
    PASSWORD_ENV,
    raw_at_in_password,
    redact,
    split_password,
    with_password,
)

PW = "s3cret"


@pytest.mark.parametrize(("text", "expected"), [
    ("postgresql://u:s3cret@host/db", "postgresql://u:***@host/db"),
    ("postgresql+psycopg://u:s3cret@host:5432/db", "postgresql+psycopg://u:***@host:5432/db"),
    ("postgresql://u:s3cret@host", "postgresql://u:***@host"),  # no database path
    ("postgresql://u:s3cret@host:5432", "postgresql://u:***@host:5432"),
    ("postgresql://u:s3cret@[::1]:5432/db", "postgresql://u:***@[::1]:5432/db"),
    ("postgresql://:s3cret@host", "postgresql://:***@host"),
    ("postgresql://:s3cret@host/db", "postgresql://:***@host/db"),
    ("postgresql://u@host/db?password=s3cret", "postgresql://u@host/db?password=***"),
    ("postgresql://u@host/db?sslmode=require&password=s3cret&x=1",
     "postgresql://u@host/db?sslmode=require&password=***&x=1"),
    ("mssql+pyodbc://h/db?driver=x;UID=u;PWD=s3cret", "mssql+pyodbc://h/db?driver=x;UID=u;PWD=***"),
    # passwords with raw or encoded special characters
    ("mysql://u:p@s3cret@host/db", "mysql://u:***@host/db"),
    ("mysql://u:s3:cr:et@host/db", "mysql://u:***@host/db"),
    ("mysql://u:s3/cr/et@host/db", "mysql://u:***@host/db"),
    ("mysql://u:a@b:c/d@host:1/db?x=1", "mysql://u:***@host:1/db?x=1"),
    ("mysql://u:s3%40cret@host/db", "mysql://u:***@host/db"),
    ("mysql://u:s3%3Acr%2Fet@host", "mysql://u:***@host"),
    ("mysql://u:s3cret#x@host/db", "mysql://u:***@host/db"),
    # inside longer messages, quoted, several URLs
    ("connection to postgresql://u:s3cret@10.0.0.5/db failed: timeout",
     "connection to postgresql://u:***@10.0.0.5/db failed: timeout"),
    ("Cannot open 'sqlite:///x.db' or 'postgresql://u:s3cret@h/db'.",
     "Cannot open 'sqlite:///x.db' or 'postgresql://u:***@h/db'."),
    ('url="postgresql://u:s3cret@h"', 'url="postgresql://u:***@h"'),
    ("(postgresql://u:s3cret@h/db)", "(postgresql://u:***@h/db)"),
    ("<postgresql://u:s3cret@h/db>", "<postgresql://u:***@h/db>"),
    ("a postgresql://u:s3cret@h1/db b mysql://v:s3cret@h2 c",
     "a postgresql://u:***@h1/db b mysql://v:***@h2 c"),
    ("first line\npostgresql://u:s3cret@h/db\nlast", "first line\npostgresql://u:***@h/db\nlast"),
    ("jdbc:postgresql://u:s3cret@h/db", "jdbc:postgresql://u:***@h/db"),
    # libpq conninfo strings and printed dicts, as drivers put them in their errors
    ("host=h user=u password=s3cret dbname=db", "host=h user=u password=*** dbname=db"),
    ("host=h password='s3 cret' dbname=db", "host=h password='***' dbname=db"),
    ("password=s3cret", "password=***"),
    ("{'host': 'h', 'password': 's3cret'}", "{'host': 'h', 'password': '***'}"),
    ('{"password": "s3cret", "user": "u"}', '{"password": "***", "user": "u"}'),
])
def test_redact_every_form(text, expected):
    assert redact(text) == expected
    assert PW not in redact(text) and "cret" not in redact(text)
    assert redact(redact(text)) == redact(text)  # idempotent


@pytest.mark.parametrize("text", [
    "postgresql://u@host/db",
    "sqlite:///data/shop.db",
    "https://example.org/data/x.csv",
    "mail admin@example.org about it",
    "SELECT * FROM orders WHERE note = 'at 10:30'",
    "no secrets here: x = 1",
])
def test_redact_leaves_harmless_text_alone(text):
    assert redact(text) == text


def test_redact_structures():
    value = {
        "source": "postgresql://u:s3cret@h/db",
        "password": "s3cret",
        "nested": [("mysql://u:s3cret@h", 1), {"token": "s3cret", "n": 2}],
        "set": {"postgresql://:s3cret@h"},
        "n": 3,
        "none": None,
    }
    out = redact(value)
    assert PW not in repr(out)
    assert out["source"] == "postgresql://u:***@h/db" and out["password"] == MASK
    assert out["nested"] == [("mysql://u:***@h", 1), {"token": MASK, "n": 2}]
    assert out["set"] == {"postgresql://:***@h"}
    assert out["n"] == 3 and out["none"] is None
    assert value["password"] == "s3cret"  # the input is not changed
    assert PW not in redact(repr(value))  # and the printed form is redacted too


@pytest.mark.parametrize("password", ["s3cret", "p@ss", "a:b", "a/b", "p%40ss", "x y", "ü@:/?#&="])
def test_split_and_fill_round_trip(password):
    bare = "postgresql+psycopg://reader@db.example:5432/shop?sslmode=require"
    full = with_password(bare, {PASSWORD_ENV: password})
    assert full == bare.replace("reader@", f"reader:{quote(password, safe='')}@")
    assert split_password(full) == (bare, password)
    assert sa.engine.make_url(full).password == password  # SQLAlchemy reads what we wrote
    assert password not in redact(full) or password in bare


def test_split_password_forms():
    assert split_password("postgresql://u:s3cret@h/db") == ("postgresql://u@h/db", "s3cret")
    assert split_password("postgresql://u:s3cret@h") == ("postgresql://u@h", "s3cret")
    assert split_password("postgresql://:s3cret@h/db") == ("postgresql://h/db", "s3cret")
    assert split_password("postgresql://u:p@ss@h/db") == ("postgresql://u@h/db", "p@ss")
    assert split_password("postgresql://u:p%40ss@h/db") == ("postgresql://u@h/db", "p@ss")
    assert split_password("postgresql://u@h/db?password=s3cret") == ("postgresql://u@h/db", "s3cret")
    assert split_password("postgresql://u@h/db?password=s3cret&sslmode=require") == (
        "postgresql://u@h/db?sslmode=require", "s3cret")
    assert split_password("postgresql://u@h/db?sslmode=require&password=s3cret") == (
        "postgresql://u@h/db?sslmode=require", "s3cret")
    assert split_password("postgresql://u@h/db") == ("postgresql://u@h/db", None)
    assert split_password("sqlite:///x.db") == ("sqlite:///x.db", None)
    assert split_password("postgresql://u@h/db?note=a@b") == ("postgresql://u@h/db?note=a@b", None)


def test_with_password_only_fills_a_user_without_one():
    env = {PASSWORD_ENV: "s3cret"}
    assert with_password("postgresql://u@h/db", env) == "postgresql://u:s3cret@h/db"
    assert with_password("postgresql://u@h", env) == "postgresql://u:s3cret@h"
    assert with_password("postgresql://u@h/db?note=a@b", env) == "postgresql://u:s3cret@h/db?note=a@b"
    for url in ("postgresql://u:own@h/db", "postgresql://h/db", "sqlite:///x.db",
                "postgresql://u@h/db?password=own"):
        assert with_password(url, env) == url
    assert with_password("postgresql://u@h/db", {}) == "postgresql://u@h/db"
    assert with_password("postgresql://u@h/db", {PASSWORD_ENV: ""}) == "postgresql://u@h/db"


def test_with_password_reads_the_environment(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    assert with_password("postgresql://u@h/db") == "postgresql://u:s3cret@h/db"
    monkeypatch.delenv(PASSWORD_ENV)
    assert with_password("postgresql://u@h/db") == "postgresql://u@h/db"


def test_raw_at_in_password():
    assert raw_at_in_password("postgresql://u:p@ss@h/db")
    assert not raw_at_in_password("postgresql://u:p%40ss@h/db")
    assert not raw_at_in_password("postgresql://u@h/db?note=a@b")
    assert not raw_at_in_password("postgresql://u:pw@h/db")
