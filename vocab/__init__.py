"""The spec's vocabulary (credential-format.md version 2), defined once for every layer.

- `vocab.spec`: code prefixes, CWT claim keys, modes, the identifier pattern, `revocation_key`,
  the certificate-type catalogue;
- `vocab.reasons`: reason and warning codes, the `Outcome` enum;
- `vocab.events`: the scan-log event schema, its validator and its canonical hash.

Pure and a leaf: it imports nothing of ours, no I/O, no clock.
"""
