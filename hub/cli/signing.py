"""`hub pki init` and `hub verify FILE.pdf|BUNDLE.zip`: the development PKI, signature checks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

from hub.infra.settings import load_settings


def _pki_dir(args: argparse.Namespace) -> Path:
    if args.dir:
        return Path(args.dir)
    return Path(load_settings(data_dir=getattr(args, "data_dir", None)).data_dir) / "pki"


def cmd_pki_init(args: argparse.Namespace) -> int:
    from signing import devpki

    pki = devpki.init(_pki_dir(args), base_url=args.base_url, force=args.force)
    print(f"development PKI in {pki.directory}")
    print(f"trust anchor (root CA): {pki.directory / 'ca'}")
    return 0


def _certificates(path: Path) -> list[Any]:
    """Every certificate in a PEM or DER file, or in the *.pem/*.cer/*.crt files of a folder."""
    from asn1crypto import pem, x509

    files = sorted(p for p in path.iterdir() if p.suffix in {".pem", ".cer", ".crt"}) \
        if path.is_dir() else [path]
    out = []
    for f in files:
        data = f.read_bytes()
        if pem.detect(data):
            out += [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, True)
                    if kind == "CERTIFICATE"]
        else:
            out.append(x509.Certificate.load(data))
    return out


def _verify_bundle(path: Path, args: argparse.Namespace) -> int:
    """Print the report of an evidence bundle; exit 0 only if it verifies."""
    from hub.evidence import render_bundle_report, verify_bundle

    if args.trust or args.dir:
        print("error (--trust/--dir): an evidence bundle is checked against its own trust/*.pem; "
              "compare the fingerprint in the report with the published one", file=sys.stderr)
        return 2
    report = asyncio.run(verify_bundle(path.read_bytes(), name=path.name))
    print(render_bundle_report(report))
    return 0 if report.ok else 1


def cmd_verify(args: argparse.Namespace) -> int:
    """Print the report of a PDF or an evidence bundle (.zip); exit 0 only if all is valid."""
    from signing import devpki, render_text, validate_pdf

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # its own tracebacks are noise here
    pdf = Path(args.file)
    if not pdf.is_file():
        print(f"error (file): no such file {pdf}", file=sys.stderr)
        return 2
    if pdf.suffix.lower() == ".zip":
        return _verify_bundle(pdf, args)
    crls: list[bytes] = []
    if args.trust:
        roots = _certificates(Path(args.trust))
    else:
        pki_dir = _pki_dir(args)
        if not (pki_dir / "ca").is_dir():
            print("error (--trust): give the trust anchor (a certificate file or folder); "
                  f"there is no development PKI in {pki_dir}", file=sys.stderr)
            return 2
        pki = devpki.load(pki_dir)
        roots, crls = list(pki.trust_roots()), list(pki.crls())  # its CRLs are right here
    report = asyncio.run(validate_pdf(
        pdf.read_bytes(), trust_roots=roots, allow_fetching=not args.offline, crls=crls,
    ))
    print(render_text(report))
    return 0 if report.ok else 1


def add_commands(sub: Any) -> None:
    pki = sub.add_parser("pki", help="the development PKI").add_subparsers(
        dest="action", required=True)
    init = pki.add_parser("init", help="make a root and intermediate CA, a TSA and leaf "
                                       "certificates for development (keeps existing keys)")
    init.add_argument("--dir", help="where (default: <data dir>/pki)")
    init.add_argument("--base-url", default="http://127.0.0.1:8080/pki",
                      help="where the CRLs and CA certificates will be served")
    init.add_argument("--force", action="store_true", help="make everything anew")
    init.set_defaults(func=cmd_pki_init)

    verify = sub.add_parser("verify", help="check the signatures of a PDF, or an evidence "
                                           "bundle (.zip) offline (exit 0 if all valid)")
    verify.add_argument("file", help="the signed PDF, or an evidence bundle (.zip)")
    verify.add_argument("--trust", help="trust anchor: a certificate file (PEM/DER) or a folder")
    verify.add_argument("--dir", help="the development PKI to trust when --trust is not given")
    verify.add_argument("--offline", action="store_true",
                        help="fetch nothing: use only the validation data in the file")
    verify.set_defaults(func=cmd_verify)
