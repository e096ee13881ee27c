"""``edgebench keys generate``, ``edgebench sign``, ``edgebench verify``: Ed25519."""

from __future__ import annotations

from pathlib import Path

import click

from bench.files import check_output, file_size, write_atomic
from bench.lab.catalog import signing
from bench.result.contract import load_report, render_json

_file = click.Path(path_type=Path, dir_okay=False)


@click.group()
def keys() -> None:
    """Signing keys for reports."""


@keys.command("generate")
@click.option("--key", "key_path", type=_file, default=Path("edgebench.key"), show_default=True,
              help="Where to write the private key; the public key goes beside it (.pub).")
def keys_generate(key_path: Path) -> None:
    """Make a new Ed25519 key pair. Keep the private key secret; hand out the .pub."""
    check_output(key_path, "--key", 8 << 10)
    pair = signing.generate_keys(key_path)
    click.echo(f"private key: {pair.private} (mode 0600)\npublic key:  {pair.public}\n"
               f"fingerprint: {pair.fingerprint}")


@click.command()
@click.argument("report_path", metavar="REPORT.json", type=_file)
@click.option("--key", "key_path", type=_file, required=True, help="The private key (PEM).")
@click.option("--out", type=_file, help="Write the signed report here [in place].")
def sign(report_path: Path, key_path: Path, out: Path | None) -> None:
    """Sign REPORT.json: an Ed25519 signature over its canonical content."""
    target = out or report_path
    check_output(target, "--out" if out else "REPORT.json", file_size(report_path) + (8 << 10))
    key = signing.load_private_key(key_path)
    signed = signing.sign_report(load_report(report_path), key)
    write_atomic(target, render_json(signed))
    click.echo(f"signed {out or report_path} with key {signed.signature.public_key_fingerprint}")


@click.command()
@click.argument("report_path", metavar="REPORT.json", type=_file)
@click.option("--pubkey", type=_file, required=True, multiple=True,
              help="A trusted public key (PEM); repeat for several.")
def verify(report_path: Path, pubkey: tuple[Path, ...]) -> None:
    """Check REPORT.json's signature; exit 1 if it is missing, another key's, or the content
    changed after signing."""
    keys_ = [signing.load_public_key(p) for p in pubkey]
    who = signing.verify_report(load_report(report_path), keys_, str(report_path))
    click.echo(f"{report_path}: signature ok (key {who})")
