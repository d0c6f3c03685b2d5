import re

import pytest

from m2m_auth import crypto

PREFIX = "m2m_ak_"


def test_generated_token_has_prefix_public_id_and_valid_checksum():
    public_id, token = crypto.generate_token(PREFIX)
    assert token.startswith(f"{PREFIX}{public_id}_")
    assert crypto.parse_token(token, PREFIX) == (public_id, token)


def test_random_part_is_at_least_160_bits():
    assert crypto.RANDOM_LENGTH * 5.954 >= 160  # log2(62) bits per character


def test_tokens_are_unique():
    assert len({crypto.generate_token(PREFIX).token for _ in range(500)}) == 500


def test_scanner_regex_finds_generated_tokens_in_text():
    token = crypto.generate_token(PREFIX).token
    found = re.findall(crypto.scanner_regex(PREFIX), f"config: KEY={token}\n")
    assert found == [token]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # checksum
        lambda t: t[:12] + ("A" if t[12] != "A" else "B") + t[13:],  # body
        lambda t: t[:-2],
        lambda t: t + "0",
        lambda t: "m2m_pat_" + t[len(PREFIX):],
        lambda t: t.replace("_", "-"),
        lambda t: t[:20] + "\x00" + t[21:],
        lambda t: t[:20] + "é" + t[21:],
        lambda t: t + "x" * 10_000,
        lambda t: "",
        lambda t: t.upper(),
    ],
)
def test_malformed_tokens_are_rejected_without_lookup(mutate):
    token = crypto.generate_token(PREFIX).token
    assert crypto.parse_token(mutate(token), PREFIX) is None


def test_hash_verifies_only_the_same_token_with_a_known_pepper():
    token = crypto.generate_token(PREFIX).token
    other = crypto.generate_token(PREFIX).token
    pepper = b"p" * 32
    stored = crypto.hash_token(token, pepper)
    peppers = {crypto.pepper_id(pepper): pepper}
    assert token not in stored and stored.startswith("hmac-sha256$")
    assert crypto.verify_token(token, stored, peppers)
    assert not crypto.verify_token(other, stored, peppers)
    assert not crypto.verify_token(token, stored, {crypto.pepper_id(b"q" * 32): b"q" * 32})


@pytest.mark.parametrize("stored", ["", "$$", "md5$x$y", "hmac-sha256$unknown$00"])
def test_unknown_schemes_and_garbage_hashes_never_verify(stored):
    pepper = b"p" * 32
    assert not crypto.verify_token("anything", stored, {crypto.pepper_id(pepper): pepper})


def test_old_pepper_still_verifies_after_a_pepper_change():
    token = crypto.generate_token(PREFIX).token
    old, new = b"o" * 32, b"n" * 32
    stored = crypto.hash_token(token, old)
    assert crypto.verify_token(token, stored, {crypto.pepper_id(new): new, crypto.pepper_id(old): old})


def test_base62_pads_to_width():
    assert crypto.base62(0, 6) == "000000"
    assert crypto.base62(61, 2) == "0z"


@pytest.mark.parametrize("number", [0, 1, 61, 62, 3843, 3844, 62**4 - 1, 62**4, 2**31, 2**32 - 1])
def test_the_checksum_is_the_crc32_in_six_base62_digits(number, monkeypatch):
    monkeypatch.setattr(crypto.zlib, "crc32", lambda data: number)
    assert crypto.checksum("anything") == crypto.base62(number, 6)
