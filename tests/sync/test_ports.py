"""cache.Store has the shape terminal.ports.StorePort describes (what service and sync use)."""
from __future__ import annotations

import inspect

from cache import Store
from terminal import ports


def test_store_satisfies_the_store_port(tmp_path):
    with Store.open(tmp_path) as store:
        assert isinstance(store, ports.StorePort)
        for attr, proto in (("trust", ports.TrustPort), ("revocations", ports.RevocationPort),
                            ("replay", ports.ReplayPort), ("outbox", ports.OutboxPort),
                            ("identity", ports.IdentityPort), ("sync_state", ports.SyncStatePort)):
            impl = getattr(store, attr)
            for name, member in vars(proto).items():
                if name.startswith("_") or not callable(member):
                    continue
                assert callable(getattr(impl, name, None)), f"store.{attr}.{name} is missing"
                want = [p for p in inspect.signature(member).parameters.values() if p.name != "self"]
                have = inspect.signature(getattr(impl, name)).parameters
                for p in want:
                    assert p.name in have, f"store.{attr}.{name} has no parameter {p.name}"
