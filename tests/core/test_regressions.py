"""Inputs that once made the core misbehave (found by property tests or bench/fuzz_core.py)."""
from __future__ import annotations

import cbor2
import pytest

from terminal import codec, cose
from vocab import reasons as R
from terminal.verify import verify

from .world import World, new_key

WORLD = World(seed=3)
SNAP = WORLD.snapshot()


def test_hc1_without_dcc_trust_is_a_verdict_not_an_import_error():
    """A well-formed COSE behind HC1 reached `from . import dcc` and raised ImportError out of
    verify() while terminal/dcc.py did not exist; without DCC trust no signer can be known."""
    body = WORLD.ez1().split(":", 1)[1]
    v = verify("HC1:" + body, SNAP, WORLD.now)
    assert (v.valid, v.reason, v.profile) == (False, R.UNKNOWN_ISSUER, "HC1")


@pytest.mark.parametrize("alg", [-35, -36, -257, 0, "ES256"])
def test_hc1_unsupported_algorithm_comes_before_the_issuer(alg):
    msg = cose.sign1(cbor2.dumps({1: "CN"}), new_key("ES256"), alg=cose.ES256, extra_protected={1: alg})
    v = verify(codec.encode_text("HC1", msg), SNAP, WORLD.now)
    assert (v.valid, v.reason) == (False, R.UNSUPPORTED_ALGORITHM)
