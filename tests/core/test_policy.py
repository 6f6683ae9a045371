"""Venue policies (spec section 5, step 10) over credentials minted in a from-scratch world."""
from __future__ import annotations

from pathlib import Path

import pytest

from vocab import reasons as R
from terminal.config import POLICY_DIR, ConfigError, load_policy
from terminal.policy import DEFAULT_POLICY, PolicyError, VenuePolicy, policy_from_mapping
from terminal.verify import verify

from .world import DAY, World, new_key

EXAMPLES = sorted(POLICY_DIR.glob("*.toml"))


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=7)


@pytest.fixture(scope="module")
def snap(world):
    return world.snapshot()


@pytest.fixture(scope="module")
def park() -> VenuePolicy:
    return load_policy("park-senior")


@pytest.fixture(scope="module")
def counter() -> VenuePolicy:
    return load_policy("counter")


def test_example_policies_exist_and_parse():
    names = {p.stem for p in EXAMPLES}
    assert {"park-senior", "general", "counter"} <= names
    for path in EXAMPLES:
        pol = load_policy(path)
        assert pol.name and pol.source == str(path)
        assert load_policy(path.stem) == pol            # by name from assets/policies too


def test_default_policy_admits_every_valid_code(world, snap):
    for code in (world.ez1(), world.ez1("enterprise", typ="enterprise"), world.ep1()):
        v = verify(code, snap, world.now, DEFAULT_POLICY)
        assert (v.valid, v.reason) == (True, R.OK)


@pytest.mark.parametrize("kw,admitted", [
    ({"age": [18, 60]}, True),
    ({"age": [18, 60, 65]}, True),
    ({"age": [18]}, False),
    ({}, False),
    ({"certs": [{"t": "disability", "no": "3701****12"}]}, True),
    ({"certs": [{"t": "disability", "no": "3701****12", "exp": 1_800_000_000 + DAY}]}, True),
    ({"certs": [{"t": "disability", "no": "3701****12", "exp": 1_800_000_000 - DAY}]}, False),
    ({"certs": [{"t": "senior", "no": "SD-60-0001"}]}, True),
    ({"certs": [{"t": "student", "no": "2023****"}]}, False),
    ({"certs": [{"t": "unknown_future_cert", "no": "x"}], "age": [18]}, False),
])
def test_park_senior_and_disability_rules(world, snap, park, kw, admitted):
    assert world.now == 1_800_000_000
    for code in (world.ez1("ES256", **kw), world.ep1("EdDSA", "ES256", **kw)):
        v = verify(code, snap, world.now, park)
        if admitted:
            assert (v.valid, v.reason) == (True, R.OK)
        else:
            assert (v.valid, v.reason) == (False, R.POLICY_DENIED)
            assert v.policy_rule.startswith("admit_any:") and "senior" in v.policy_rule
            assert v.credential is not None            # staff can still see whose code it is


def test_park_refuses_enterprise_codes(world, snap, park):
    v = verify(world.ez1("enterprise", typ="enterprise", age=[60]), snap, world.now, park)
    assert (v.valid, v.reason, v.policy_rule) == (False, R.POLICY_DENIED, "accept:enterprise")


def test_require_dynamic(world, snap, counter):
    assert counter.require_dynamic
    static = verify(world.ez1(), snap, world.now, counter)
    assert (static.valid, static.reason, static.policy_rule) == (False, R.POLICY_DENIED, "require_dynamic")
    dynamic = verify(world.ep1(), snap, world.now, counter)
    assert (dynamic.valid, dynamic.reason) == (True, R.OK)


def test_stale_trust_warns_or_rejects(counter):
    w = World(seed=8, trust_next=1_800_000_000 - 1)
    snap = w.snapshot()
    code = w.ep1()
    warned = verify(code, snap, w.now, load_policy("general"))
    assert (warned.valid, warned.reason) == (True, R.OK) and R.TRUST_STALE in warned.warnings
    assert counter.stale_trust == "reject"
    rejected = verify(code, snap, w.now, counter)
    assert (rejected.valid, rejected.reason) == (False, R.TRUST_LIST_EXPIRED)
    assert R.TRUST_STALE in rejected.warnings and rejected.outcome == R.Outcome.CHECK
    fresh = verify(code, snap, w.now - 10, counter)        # before `next`: not stale
    assert (fresh.valid, fresh.reason, fresh.warnings) == (True, R.OK, ())


def test_replay_refused_by_default(world, snap):
    seen: set[bytes] = set()
    code = world.ep1(cti=b"N" * 16)
    first = verify(code, snap, world.now, replay_seen=seen.__contains__)
    assert (first.valid, first.reason) == (True, R.OK) and first.presentation_cti == b"N" * 16
    seen.add(first.presentation_cti)
    again = verify(code, snap, world.now + 5, replay_seen=seen.__contains__)
    assert (again.valid, again.reason) == (False, R.REPLAYED)
    other = verify(world.ep1(cti=b"M" * 16), snap, world.now, replay_seen=seen.__contains__)
    assert (other.valid, other.reason) == (True, R.OK)


def test_rescan_same_admission(world, snap, counter):
    assert counter.rescan_same_admission
    seen = {b"S" * 16}
    code = world.ep1(cti=b"S" * 16)
    v = verify(code, snap, world.now + 10, counter, replay_seen=seen.__contains__)
    assert (v.valid, v.reason) == (True, R.OK) and R.SAME_ADMISSION in v.warnings
    # Outside the freshness window a re-scan is stale, whatever the replay state says.
    late = verify(code, snap, world.now + counter.presentation_max_age + 1, counter, replay_seen=seen.__contains__)
    assert (late.valid, late.reason) == (False, R.STALE_PRESENTATION)


def test_presentation_window_comes_from_the_policy(world, snap):
    strict = policy_from_mapping({"policy": {"presentation_max_age": 5, "presentation_max_future": 0}})
    code = world.ep1(iat=world.now)
    assert verify(code, snap, world.now + 5, strict).reason == R.OK
    assert verify(code, snap, world.now + 6, strict).reason == R.STALE_PRESENTATION
    assert verify(code, snap, world.now - 1, strict).reason == R.STALE_PRESENTATION
    assert verify(code, snap, world.now + 6).reason == R.OK       # default: 60 s


def test_holder_key_must_match(world, snap):
    holder, other = new_key("EdDSA"), new_key("EdDSA")
    cred = world.ez1_cose(holder=holder)
    from terminal.codec import encode_text
    good = encode_text("EP1", world.ep1_cose(cred, holder))
    bad = encode_text("EP1", world.ep1_cose(cred, other))
    assert verify(good, snap, world.now).reason == R.OK
    assert verify(bad, snap, world.now).reason == R.HOLDER_SIGNATURE_INVALID


@pytest.mark.parametrize("doc,key", [
    ({"policy": {"name": "x", "colour": "red"}}, "colour"),
    ({"policy": {"name": "x"}, "extra": {}}, "extra"),
    ({"policy": {"admit_any": [{"rule": "senior", "age_at_least": 60, "agee": 1}]}}, "agee"),
])
def test_unknown_keys_are_rejected_by_name(doc, key):
    with pytest.raises(PolicyError, match=f"'{key}'"):
        policy_from_mapping(doc)


@pytest.mark.parametrize("doc,key", [
    ({"policy": {"stale_trust": "ignore"}}, "stale_trust"),
    ({"policy": {"require_dynamic": "yes"}}, "require_dynamic"),
    ({"policy": {"skew_seconds": -1}}, "skew_seconds"),
    ({"policy": {"accept": ["tourist"]}}, "accept"),
    ({"policy": {"admit_any": [{"rule": "nothing"}]}}, "nothing"),
])
def test_bad_values_are_rejected_by_name(doc, key):
    with pytest.raises(PolicyError, match=key):
        policy_from_mapping(doc)


def test_policy_file_with_unknown_key_names_file_and_key(tmp_path: Path):
    p = tmp_path / "venue.toml"
    p.write_text('[policy]\nname = "x"\nrequire_dyanmic = true\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_policy(p)
    assert "require_dyanmic" in str(e.value) and str(p) in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name", ["x" * 65, "老年人优待", "park senior", "", 7])
def test_policy_name_must_be_a_log_identifier(name):
    # the name is written to every scan event; a name the outbox refuses would make every scan internal_error
    with pytest.raises(PolicyError, match="'name' must be 1-64"):
        policy_from_mapping({"policy": {"name": name}})
    assert policy_from_mapping({"policy": {"name": "x" * 64}}).name == "x" * 64


@pytest.mark.parametrize("kw,admitted", [
    ({"certs": [{"t": "student", "no": "2023****"}]}, True),
    ({"certs": [{"t": "teacher", "no": "2019****"}]}, True),
    ({"certs": [{"t": "student", "no": "2023****", "exp": 1_800_000_000 - DAY}]}, False),
    ({"certs": [{"t": "senior", "no": "SD-60-0001"}], "age": [18, 60]}, False),
    ({}, False),
])
def test_park_students_and_teachers(world, snap, kw, admitted):
    pol = load_policy("park-student-teacher")
    v = verify(world.ez1("ES256", **kw), snap, world.now, pol)
    assert (v.valid, v.reason) == ((True, R.OK) if admitted else (False, R.POLICY_DENIED))
    if not admitted:
        zh, en = pol.explanation(v.policy_rule)
        assert "学生证" in zh and "教师资格证" in zh and "student card" in en


@pytest.mark.parametrize("kw,admitted", [
    ({"age": [18, 60]}, True),
    ({"certs": [{"t": "senior", "no": "SD-60-0001"}]}, True),
    ({"age": [18]}, False),
    ({"certs": [{"t": "disability", "no": "3701****12"}]}, False),
])
def test_bus_seniors_ride_free(world, snap, kw, admitted):
    pol = load_policy("bus-senior")
    assert pol.rescan_same_admission
    v = verify(world.ep1("EdDSA", "ES256", **kw), snap, world.now, pol)
    assert (v.valid, v.reason) == ((True, R.OK) if admitted else (False, R.POLICY_DENIED))
    if not admitted:
        assert "60岁以上" in pol.explanation(v.policy_rule)[0]


def test_each_rule_kind_finds_its_explanation(world, snap, park):
    denied = verify(world.ez1("ES256", age=[18]), snap, world.now, park)
    assert park.explanation(denied.policy_rule)[0] == "本入口限60岁以上老人或持残疾人证者免费入园，请到售票处购票"
    ent = verify(world.ez1("enterprise", typ="enterprise"), snap, world.now, park)
    assert ent.policy_rule == "accept:enterprise" and "居民码" in park.explanation(ent.policy_rule)[0]
    assert park.explanation("require_dynamic") is None and park.explanation("") is None
    assert DEFAULT_POLICY.explanation("admit_any:x") is None


def test_every_example_policy_with_rules_explains_them():
    for path in EXAMPLES:
        pol = load_policy(path)
        if pol.admit_any:
            assert pol.explanation("admit_any:x") is not None, path.name


@pytest.mark.parametrize("explain,match", [
    ("text", "must be a table"),
    ({"admit_anyy": {"zh": "a", "en": "b"}}, "unknown rule 'admit_anyy'"),
    ({"admit_any": "请购票"}, "exactly zh and en"),
    ({"admit_any": {"zh": "请购票"}}, "exactly zh and en"),
    ({"admit_any": {"zh": "请购票", "en": "b", "fr": "c"}}, "exactly zh and en"),
    ({"admit_any": {"zh": "", "en": "b"}}, r"explain.admit_any.zh must be a string of 1 to 200"),
    ({"admit_any": {"zh": "请" * 201, "en": "b"}}, "1 to 200"),
    ({"admit_any": {"zh": 5, "en": "b"}}, "explain.admit_any.zh"),
    ({"require_dynamic": {"zh": "请\u202e购票", "en": "b"}}, "bidi"),
    ({"accept": {"zh": "请购票", "en": "Buy\x1b[2J"}}, "control"),
])
def test_explanations_are_checked_at_load(explain, match):
    with pytest.raises(PolicyError, match=match):
        policy_from_mapping({"policy": {"explain": explain}})


def test_bad_explanation_in_a_file_names_the_file(tmp_path: Path):
    p = tmp_path / "venue.toml"
    p.write_text('[policy]\nname = "x"\n[policy.explain]\nadmit_any = { zh = "请购票" }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_policy(p)
    assert str(p) in str(e.value) and "explain.admit_any" in str(e.value)
