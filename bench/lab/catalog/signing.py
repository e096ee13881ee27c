"""Ed25519 signatures over a report's canonical bytes (``bench.result.models.canonical_json``).

The signature covers the whole content of a report and nothing else: change any byte of
the content and :func:`verify_report` raises. Keys are PEM files: the private key PKCS#8
(written with mode 0600), the public key SubjectPublicKeyInfo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import SignatureError, UsageError
from bench.files import write_atomic
from bench.result.models import Report, Signature, canonical_json


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise UsageError("signing needs the 'cryptography' package: "
                         "pip install 'edgebench[lab]'") from None
    return ed25519


def _serialization() -> Any:
    from cryptography.hazmat.primitives import serialization
    return serialization


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path
    fingerprint: str


def _raw_public(public_key: Any) -> bytes:
    s = _serialization()
    return public_key.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)


def fingerprint(public_key: Any) -> str:
    """sha256 of the raw 32-byte public key, hex: what a signature says it was made with."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()


def generate_keys(private_path: Path) -> KeyPair:
    """Write a new key pair: ``private_path`` and ``private_path`` + ``.pub``."""
    ed25519, s = _crypto(), _serialization()
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise UsageError(f"{path}: exists; refusing to overwrite a key")
        if not path.parent.is_dir():
            raise UsageError(f"{path}: folder {path.parent} does not exist")
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
    public_pem = key.public_key().public_bytes(s.Encoding.PEM,
                                               s.PublicFormat.SubjectPublicKeyInfo)
    write_atomic(private_path, private_pem)
    os.chmod(private_path, 0o600)
    write_atomic(public_path, public_pem)
    return KeyPair(private_path, public_path, fingerprint(key.public_key()))


def _read_pem(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None


def load_private_key(path: Path) -> Any:
    ed25519, s = _crypto(), _serialization()
    try:
        key = s.load_pem_private_key(_read_pem(path, "private key"), password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError(f"{path}: not an Ed25519 key; make one with 'edgebench keys generate'")
    return key


def load_public_key(path: Path) -> Any:
    ed25519, s = _crypto(), _serialization()
    try:
        key = s.load_pem_public_key(_read_pem(path, "public key"))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise UsageError(f"{path}: not an Ed25519 public key")
    return key


def sign_report(report: Report, private_key: Any) -> Report:
    """The report with a signature over its canonical content (any old one replaced)."""
    signature = private_key.sign(canonical_json(report))
    return report.model_copy(update={"signature": Signature(
        public_key_fingerprint=fingerprint(private_key.public_key()),
        signature=base64.b64encode(signature).decode())})


def verify_report(report: Report, public_keys: list[Any], where: str = "report") -> str:
    """Check the report's signature against one of ``public_keys``; returns the fingerprint
    of the key that signed it. Raises ``SignatureError`` when unsigned, by another key, or
    when the content no longer matches."""
    from cryptography.exceptions import InvalidSignature

    sig = report.signature
    if sig is None:
        raise SignatureError(f"{where}: not signed (sign it with 'edgebench sign')")
    keys = {fingerprint(k): k for k in public_keys}
    key = keys.get(sig.public_key_fingerprint)
    if key is None:
        raise SignatureError(f"{where}: signed by key {sig.public_key_fingerprint[:16]}..., "
                             "which is not a trusted key here")
    try:
        key.verify(base64.b64decode(sig.signature, validate=True), canonical_json(report))
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureError(f"{where}: the signature does not match the content: the "
                             "report was changed after it was signed") from None
    return sig.public_key_fingerprint
