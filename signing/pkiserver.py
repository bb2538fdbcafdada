"""HTTP face of the development PKI: CRLs and CA certificates (AIA), and optionally the TSA."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from cryptography import x509

from signing.devpki import INTERMEDIATE, ROOT, DevPki, load, refresh_crls
from signing.tsa import TimeStampAuthority, tsa_handler

__all__ = ["create_pki_app"]

_CAS = (ROOT, INTERMEDIATE)
# Reissue a CRL a little before it runs out, so a fetched CRL is never stale on arrival.
_MARGIN = timedelta(minutes=5)


class _Crls:
    """Serves the CRL files, reissuing both when the current ones are about to expire."""

    def __init__(self, pki: DevPki, refresh: bool) -> None:
        self.pki = pki
        self.refresh = refresh
        self._lock = asyncio.Lock()

    def _stale(self, now: datetime) -> bool:
        for ca in _CAS:
            crl = x509.load_der_x509_crl(self.pki.crl_path(ca).read_bytes())
            next_update = crl.next_update_utc
            if next_update is None or next_update - _MARGIN <= now:
                return True
        return False

    async def read(self, ca: str) -> bytes:
        if self.refresh:
            async with self._lock:
                if await asyncio.to_thread(self._stale, datetime.now(UTC)):
                    await asyncio.to_thread(refresh_crls, self.pki)
        return await asyncio.to_thread(self.pki.crl_path(ca).read_bytes)


def create_pki_app(
    pki: DevPki | Path, *, tsa: TimeStampAuthority | None = None, refresh_crls: bool = True
) -> web.Application:
    """An aiohttp app to mount at the PKI's ``base_url``.

    ``GET /crl/{root-ca,intermediate-ca}.crl`` (DER CRL), ``GET /ca/{...}.cer`` (DER certificate)
    and, with ``tsa``, ``POST /tsa`` (RFC 3161). With ``refresh_crls`` expiring CRLs are reissued
    on request (the CA keys are in the directory: development only).
    """
    if not isinstance(pki, DevPki):
        pki = load(pki)
    crls = _Crls(pki, refresh_crls)

    async def crl(request: web.Request) -> web.Response:
        ca = request.match_info["ca"]
        if ca not in _CAS:
            raise web.HTTPNotFound()
        return web.Response(body=await crls.read(ca), content_type="application/pkix-crl")

    async def ca_cert(request: web.Request) -> web.Response:
        ca = request.match_info["ca"]
        if ca not in _CAS:
            raise web.HTTPNotFound()
        body = await asyncio.to_thread((pki.ca_dir / f"{ca}.cer").read_bytes)
        return web.Response(body=body, content_type="application/pkix-cert")

    app = web.Application()
    app.router.add_get("/crl/{ca}.crl", crl)
    app.router.add_get("/ca/{ca}.cer", ca_cert)
    if tsa is not None:
        app.router.add_post("/tsa", tsa_handler(tsa))
    return app
