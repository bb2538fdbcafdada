"""Who may call what: one table of (method, route template) → roles, enforced by a middleware.

Deny by default: an /api route missing from the table is refused (404) for every caller, so a
new route cannot ship without its decision. A role outside a route's set gets the same 404
before any object is looked up, as across tenants: nothing tells a caller that the route exists
for someone else. An object outside the caller's tenant stays 404 in the service layer.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.api.deps import CALLER
from hub.domain.errors import NotFound
from hub.domain.model import Role

ADMIN, FIRM_ADMIN, AUDITOR = Role.ADMIN, Role.FIRM_ADMIN, Role.AUDITOR
CLIENT, BANK = Role.CLIENT_SIGNER, Role.BANK_OPERATOR

FIRM = frozenset({FIRM_ADMIN, AUDITOR})
"""A firm's people: its engagements, letters, replies, workpapers and notes."""
SIGNER = frozenset({CLIENT})
"""The audited entity: only the letters it is asked to authorise, and its authorisation."""
BANK_ONLY = frozenset({BANK})
"""A bank: only its inbox views (never the firm's book values, replies or workpapers)."""
MANAGERS = frozenset({FIRM_ADMIN, ADMIN})
"""Webhooks: a firm's firm_admin for its own firm, a hub admin through engagements."""

PUBLIC_PATHS = frozenset({"/", "/web", "/healthz", "/readyz", "/api/v1/openapi.json"})
"""Served without an API key (probes, the API description, the way to the web UI)."""
PUBLIC_PREFIXES = ("/pki/", "/portal/", "/web/")
"""Sub-applications with their own sign-in (the portal's links, the web UI's sessions) or none
(the PKI's certificates and CRLs)."""

ACCESS: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/api/v1/engagements"): FIRM,
    ("GET", "/api/v1/engagements"): FIRM,
    ("GET", "/api/v1/engagements/{id}"): FIRM,
    ("GET", "/api/v1/engagements/{id}/control-sheet.xlsx"): FIRM,
    ("GET", "/api/v1/engagements/{id}/control-sheet.pdf"): FIRM,
    ("POST", "/api/v1/confirmations"): FIRM,
    # The audited entity lists and reads the letters it is asked to authorise, in its own
    # minimal view (representations.confirmation_for_signer: no book values, no exceptions).
    ("GET", "/api/v1/confirmations"): FIRM | SIGNER,
    ("GET", "/api/v1/confirmations/{id}"): FIRM | SIGNER,
    ("POST", "/api/v1/confirmations/{id}/authorization"): SIGNER,
    ("GET", "/api/v1/confirmations/{id}/letter.pdf"): FIRM | SIGNER,
    ("GET", "/api/v1/confirmations/{id}/history"): FIRM,
    ("POST", "/api/v1/confirmations/{id}/cancel"): FIRM,
    ("POST", "/api/v1/confirmations/{id}/retry"): FIRM,
    ("GET", "/api/v1/confirmations/{id}/replies"): FIRM,
    ("GET", "/api/v1/confirmations/{id}/reply.pdf"): FIRM,
    ("GET", "/api/v1/confirmations/{id}/workpaper.pdf"): FIRM,
    ("GET", "/api/v1/confirmations/{id}/evidence.zip"): FIRM,
    ("GET", "/api/v1/confirmations/{id}/procedures"): FIRM,
    ("POST", "/api/v1/confirmations/{id}/procedures"): FIRM,
    ("POST", "/api/v1/confirmations/{id}/workpaper/resend"): MANAGERS,
    ("GET", "/api/v1/workpapers"): FIRM,
    ("GET", "/api/v1/inbox"): BANK_ONLY,
    ("GET", "/api/v1/inbox/{id}"): BANK_ONLY,
    ("GET", "/api/v1/inbox/{id}/letter.pdf"): BANK_ONLY,
    ("POST", "/api/v1/inbox/{id}/receipt"): BANK_ONLY,
    ("POST", "/api/v1/inbox/{id}/return"): BANK_ONLY,
    ("POST", "/api/v1/inbox/{id}/reply"): BANK_ONLY,
    # The registry: admins keep it (maker-checker); firms read the verified entries.
    ("GET", "/api/v1/responders"): FIRM | {ADMIN},
    ("GET", "/api/v1/responders/{id}"): FIRM | {ADMIN},
    ("GET", "/api/v1/responders/{id}/versions"): FIRM | {ADMIN},
    ("POST", "/api/v1/responders"): frozenset({ADMIN}),
    ("PATCH", "/api/v1/responders/{id}"): frozenset({ADMIN}),
    ("POST", "/api/v1/responders/{id}/verify"): frozenset({ADMIN}),
    ("POST", "/api/v1/responders/{id}/retire"): frozenset({ADMIN}),
    ("GET", "/api/v1/webhook"): frozenset({FIRM_ADMIN}),
    ("PUT", "/api/v1/webhook"): frozenset({FIRM_ADMIN}),
    ("DELETE", "/api/v1/webhook"): frozenset({FIRM_ADMIN}),
    ("GET", "/api/v1/engagements/{id}/webhook"): MANAGERS,
    ("PUT", "/api/v1/engagements/{id}/webhook"): MANAGERS,
    ("DELETE", "/api/v1/engagements/{id}/webhook"): MANAGERS,
    # A firm's API keys, by its firm_admin (the CLI `hub apikey` serves hub admins).
    ("GET", "/api/v1/apikeys"): frozenset({FIRM_ADMIN}),
    ("POST", "/api/v1/apikeys"): frozenset({FIRM_ADMIN}),
    ("POST", "/api/v1/apikeys/{id}/revoke"): frozenset({FIRM_ADMIN}),
    ("POST", "/api/v1/apikeys/{id}/rotate"): frozenset({FIRM_ADMIN}),
}


def template_of(request: web.Request) -> str | None:
    """The route template the request matched (`/api/v1/confirmations/{id}`), if any."""
    resource = request.match_info.route.resource
    return None if resource is None else resource.canonical


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def allowed(method: str, template: str, role: Role) -> bool:
    """Whether `role` may call `method template` (HEAD counts as GET)."""
    method = "GET" if method == "HEAD" else method
    return role in ACCESS.get((method, template), frozenset())


def decide(method: str, template: str, role: Role) -> None:
    """Raise NotFound for a route the table does not know or a role it excludes (same body)."""
    if not allowed(method, template, role):
        raise NotFound("no such resource")


@web.middleware
async def enforce_access(request: web.Request, handler: Any) -> web.StreamResponse:
    """Let an authenticated caller through only to what the table grants its role."""
    template = template_of(request)
    if template is None or request.method == "OPTIONS" or is_public(request.path):
        return await handler(request)  # unrouted: the router answers 404 or 405 itself
    caller = request.get(CALLER)
    if caller is None:  # an unauthenticated path outside the public list: deny
        raise NotFound("no such resource")
    decide(request.method, template, caller.role)
    return await handler(request)
