"""Reference platform for Venue Terminal (`venue-issuer`): keys, trust data, codes, the sync API
and conformance worlds. Imports only the terminal's codec modules (terminal.codec,
terminal.cose, vocab.spec.revocation_key), never the verifier."""
