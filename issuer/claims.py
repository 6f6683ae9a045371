"""Credential and presentation payloads (credential-format.md sections 2-3) and made-up holders.

    >>> rng = random.Random(7)
    >>> body = resident_ezc(rng, senior=True, now=now)
    >>> payload = credential_claims(iss="SD-RC", sub=new_sub(rng), iat=now, exp=now + DAY * 180,
    ...                             cti=rng.randbytes(12), ezc=body, holder=holder_key.public_key())
    >>> cose_bytes = sign_credential(payload, issuer_key, kid)
    >>> ep1 = sign_presentation(cose_bytes, holder_key, iat=now, cti=rng.randbytes(8))

Everything personal here is invented and already masked the way the platform masks it.
"""
from __future__ import annotations

import random
from typing import Any

import cbor2

from terminal import codec, cose
from vocab.spec import (CLAIM_CNF, CLAIM_CTI, CLAIM_EXP, CLAIM_EZC, CLAIM_IAT, CLAIM_ISS, CLAIM_NBF,  # noqa: F401
                        CLAIM_SUB, CLAIM_VC, CERT_TYPES)

DAY = 86400

ISS_RESIDENT = "SD-RC"
ISS_ENTERPRISE = "SD-EC"

SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅鹏辉晨浩宇欣怡子涵一诺雨轩博文佳琪思远志强淑珍"
# Shandong prefectures (the demo platform is provincial): 6-digit administrative codes.
REGIONS = ("370102", "370103", "370112", "370202", "370211", "370302", "370602", "370782", "370811", "371002")
REGION_CITY = {"3701": "济南", "3702": "青岛", "3703": "淄博", "3706": "烟台", "3707": "潍坊",
               "3708": "济宁", "3710": "威海"}
TRADE_WORDS = "华泰鲁信恒通宏达瑞丰金诚惠民东方齐鲁海岱泉城明湖舜耕振兴永安广源"
INDUSTRIES = (("食品", ("business_licence", "food_permit")), ("餐饮管理", ("business_licence", "food_permit")),
              ("机械制造", ("business_licence", "industrial_permit")), ("电子科技", ("business_licence",)),
              ("商贸", ("business_licence",)), ("物业服务", ("business_licence",)))

# Catalogue of linked certificate types (spec section 2) with the authority that issues them.
CERT_AUTHORITY = {
    "id_card": "公安局", "household": "公安局", "social_security": "人力资源和社会保障局",
    "driving_licence": "公安局交通警察支队", "marriage": "民政局", "senior": "民政局",
    "disability": "残疾人联合会", "student": "教育局", "teacher": "教育局", "degree": "教育部",
    "property": "自然资源和规划局", "business_licence": "市场监督管理局", "food_permit": "市场监督管理局",
    "industrial_permit": "市场监督管理局",
}
assert tuple(CERT_AUTHORITY) == CERT_TYPES, "the issuer names an authority for every catalogue type"

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def masked_name(rng: random.Random) -> str:
    """张*三 style: the surname and the last character are kept."""
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.3:
        return surname + "*"
    return surname + "*" + rng.choice(GIVEN)


def masked_idm(rng: random.Random, region: str | None = None) -> str:
    """3701**********1234 style: 4 leading and 4 trailing characters of the ID number."""
    region = region or rng.choice(REGIONS)
    tail = f"{rng.randrange(1000):03d}" + rng.choice("0123456789X")
    return region[:4] + "*" * 10 + tail


def uscc(rng: random.Random, region: str) -> str:
    """An 18-character unified social credit code with correct check digits (GB 32100-2015)."""
    org = [rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)]
    # organisation code check digit (GB 11714): letters count 10-35
    vals = [int(c, 36) for c in org]
    c9 = 11 - sum(v * w for v, w in zip(vals, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    org.append("X" if c9 == 10 else "0" if c9 == 11 else str(c9))
    body = "91" + region + "".join(org)
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31] == code[17]


def new_sub(rng: random.Random) -> str:
    return "sub-" + rng.randbytes(8).hex()


def _city(region: str) -> str:
    return REGION_CITY.get(region[:4], "济南")


def resident_ezc(rng: random.Random, *, now: int, senior: bool = False, disabled: bool = False) -> dict:
    region = rng.choice(REGIONS)
    idm = masked_idm(rng, region)
    certs: list[dict] = [{"t": "id_card", "no": idm}]
    if rng.random() < 0.5:
        certs.append({"t": "social_security", "no": idm[:4] + "**********" + idm[-4:],
                      "iss": _city(region) + "市" + CERT_AUTHORITY["social_security"]})
    if rng.random() < 0.4:
        certs.append({"t": "driving_licence", "no": idm, "exp": now + rng.randrange(200, 2000) * DAY})
    if senior:
        certs.append({"t": "senior", "no": f"SD-LN-****{rng.randrange(100):02d}",
                      "exp": now + rng.randrange(900, 2000) * DAY,
                      "iss": _city(region) + "市" + CERT_AUTHORITY["senior"]})
    if disabled:
        level = rng.randrange(1, 5)
        certs.append({"t": "disability", "no": idm[:4] + "**********" + idm[-4:] + f"{rng.randrange(1, 8)}{level}",
                      "exp": now + rng.randrange(900, 3000) * DAY,
                      "iss": _city(region) + "市" + CERT_AUTHORITY["disability"]})
    age = [18, 60, 65] if senior else rng.choice(([18], [18], [18, 60]))
    return {"v": 1, "typ": "resident", "name": masked_name(rng), "idm": idm, "age": age, "certs": certs}


def enterprise_ezc(rng: random.Random, *, now: int) -> dict:
    region = rng.choice(REGIONS)
    industry, cert_types = rng.choice(INDUSTRIES)
    name = _city(region) + "".join(rng.sample(TRADE_WORDS, 2)) + industry + "有限公司"
    code = uscc(rng, region)
    certs: list[dict] = []
    for t in cert_types:
        if t == "business_licence":
            certs.append({"t": t, "no": code})
        elif t == "food_permit":
            certs.append({"t": t, "no": "JY1" + region[:6] + "****", "exp": now + rng.randrange(300, 1800) * DAY,
                          "iss": _city(region) + "市" + CERT_AUTHORITY[t]})
        else:
            certs.append({"t": t, "no": "XK" + region[:2] + "-****-" + f"{rng.randrange(10000):05d}",
                          "exp": now + rng.randrange(300, 1800) * DAY, "iss": "山东省" + CERT_AUTHORITY[t]})
    return {"v": 1, "typ": "enterprise", "name": name, "idm": code, "certs": certs}


def credential_claims(*, iss: str, sub: str, iat: int, exp: int, cti: bytes, ezc: dict,
                      holder: Any = None, nbf: int | None = None) -> dict:
    """A CWT claims map in the key order the platform writes; `holder` is a public key for cnf."""
    p: dict = {CLAIM_ISS: iss, CLAIM_SUB: sub, CLAIM_EXP: exp}
    if nbf is not None:
        p[CLAIM_NBF] = nbf
    p[CLAIM_IAT] = iat
    p[CLAIM_CTI] = cti
    if holder is not None:
        p[CLAIM_CNF] = {1: cose.public_to_cose_key(holder)}
    p[CLAIM_EZC] = ezc
    return p


def sign_credential(payload: dict, key: Any, kid: bytes | None, **kw: Any) -> bytes:
    """COSE_Sign1 over the claims (kw: alg, kid_protected, tagged as in terminal.cose.sign1)."""
    return cose.sign1(cbor2.dumps(payload), key, kid=kid, **kw)


def presentation_payload(vc: bytes, iat: int, cti: bytes) -> dict:
    return {CLAIM_IAT: iat, CLAIM_CTI: cti, CLAIM_VC: vc}


def sign_presentation(vc: bytes, holder_key: Any, *, iat: int, cti: bytes, **kw: Any) -> bytes:
    """An EP1 COSE_Sign1: alg in the protected header, no kid (spec section 3)."""
    return cose.sign1(cbor2.dumps(presentation_payload(vc, iat, cti)), holder_key, **kw)


def ez1_text(cose_bytes: bytes, compress: bool = True) -> str:
    return codec.encode_text("EZ1", cose_bytes, compress)


def ep1_text(cose_bytes: bytes, compress: bool = True) -> str:
    return codec.encode_text("EP1", cose_bytes, compress)
