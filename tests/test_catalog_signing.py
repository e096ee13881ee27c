"""Signatures: real Ed25519 keys; every byte of a signed report matters."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

import bench
from bench.errors import IntegrityError, SignatureError, UsageError
from bench.lab.catalog import signing
from bench.report import write_report
from bench.result.contract import load_report
from bench.spec import RunSettings


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = RunSettings(duration_s=0.01, min_queries=3, warmup=1)
    report = bench.run(["tiny_mlp"], device="host", settings=settings)
    return write_report(report, tmp_path_factory.mktemp("report"))[0]


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> signing.KeyPair:
    return signing.generate_keys(tmp_path_factory.mktemp("keys") / "lab.key")


def test_keys_are_written_private(key_pair: signing.KeyPair) -> None:
    assert key_pair.private.stat().st_mode & 0o777 == 0o600
    assert len(key_pair.fingerprint) == 64
    with pytest.raises(UsageError, match="refusing to overwrite"):
        signing.generate_keys(key_pair.private)


def test_sign_then_verify(report_file: Path, key_pair: signing.KeyPair) -> None:
    signed = signing.sign_report(load_report(report_file),
                                 signing.load_private_key(key_pair.private))
    public = signing.load_public_key(key_pair.public)
    assert signing.verify_report(signed, [public]) == key_pair.fingerprint
    other = signing.generate_keys(key_pair.private.parent / "other.key")
    with pytest.raises(SignatureError, match="not a trusted key"):
        signing.verify_report(signed, [signing.load_public_key(other.public)])
    with pytest.raises(SignatureError, match="not signed"):
        signing.verify_report(load_report(report_file), [public])


def test_flipping_any_byte_of_a_signed_report_fails_verification(
        tmp_path: Path, report_file: Path, key_pair: signing.KeyPair) -> None:
    signed_path = tmp_path / "signed.json"
    signed = signing.sign_report(load_report(report_file),
                                 signing.load_private_key(key_pair.private))
    write_report(signed, tmp_path)  # report.json
    data = (tmp_path / "report.json").read_bytes()
    public = [signing.load_public_key(key_pair.public)]
    positions = random.Random(1).sample(range(len(data)), min(400, len(data)))
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0x01
        signed_path.write_bytes(bytes(flipped))
        with pytest.raises((IntegrityError, UsageError)):  # changed content, or not a report
            signing.verify_report(load_report(signed_path), public)


def test_cli_sign_verify_and_a_flipped_digit(tmp_path: Path, report_file: Path,
                                             key_pair: signing.KeyPair) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(report_file.read_bytes())
    edgebench = [sys.executable, "-m", "bench"]
    signed = subprocess.run([*edgebench, "sign", str(report), "--key", str(key_pair.private)],
                            capture_output=True, text=True)
    assert signed.returncode == 0, signed.stderr
    ok = subprocess.run([*edgebench, "verify", str(report), "--pubkey", str(key_pair.public)],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "signature ok" in ok.stdout
    text = report.read_text()
    at = text.index('"queries": ') + len('"queries": ')
    while text[at + 1].isdigit():  # the last digit: a changed first digit may read "0..."
        at += 1
    digit = text[at]
    report.write_text(text[:at] + str((int(digit) + 1) % 10) + text[at + 1:])
    bad = subprocess.run([*edgebench, "verify", str(report), "--pubkey", str(key_pair.public)],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert "does not match the content" in bad.stderr
