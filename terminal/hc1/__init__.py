"""EU Digital COVID Certificate (`HC1:`) verification, pure (bytes, key objects and `now` in):

- terminal.hc1.der: document signer certificates (DER X.509 -> DscEntry, tolerant DER reader);
- terminal.hc1.trust: DCC trust data (DccTrust) from certificate or trust-file bytes;
- terminal.hc1.stages: the HC1 stages and `verify_hc1`, on the stages shared with EZ1/EP1
  (terminal.stages).

Reading the `--dcc-cert` / `--dcc-trust` files is done at the edge: terminal.trust_files.
"""
from __future__ import annotations

from .der import EKU_OIDS, EKU_UNREADABLE, DscEntry, DscError, dsc_kid, parse_dsc
from .stages import (CLAIM_EXP, CLAIM_HCERT, CLAIM_IAT, CLAIM_ISS, KINDS, Hc1Claims, decode_hc1, holder_name,
                     is_country_code, json_safe, stage_dsc, stage_dsc_validity, stage_issuer_country, stage_key_usage, stage_payload, stage_signature,
                     stage_times, summarise, verify_hc1)
from .trust import (DccTrust, DccTrustList, certificates_from_bytes, parse_dcc_trust_list, parse_trust_json,
                    trust_from_certificates)

__all__ = [
    "CLAIM_EXP", "CLAIM_HCERT", "CLAIM_IAT", "CLAIM_ISS", "EKU_OIDS", "EKU_UNREADABLE", "KINDS",
    "DccTrust", "DccTrustList", "DscEntry", "DscError", "Hc1Claims",
    "certificates_from_bytes", "decode_hc1", "dsc_kid", "holder_name", "json_safe", "parse_dcc_trust_list", "parse_dsc",
    "is_country_code", "parse_trust_json", "stage_dsc", "stage_dsc_validity", "stage_issuer_country",
    "stage_key_usage", "stage_payload",
    "stage_signature", "stage_times", "summarise", "trust_from_certificates", "verify_hc1",
]
