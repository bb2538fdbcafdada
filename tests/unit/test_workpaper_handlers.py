"""Workpapers on fakes: made once for a verified letter, from its letter, reply, exceptions and
history; a sealer that fails leaves nothing behind and the retry makes it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain import commands, events
from hub.domain.errors import PartSwitchedOff
from hub.domain.model import Status
from hub.ports.standins import NoWorkpapers
from hub.services.workpapers import EVIDENCE, WORKPAPER
from tests.unit.fakes import (
    World,
    delivered_company_letter,
    outbox,
    verified_company_letter,
    world,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\1" * 32
DIFFERENT = {"row-0-owed_by_you": "1865000.00", "row-1-owed_by_you": "48000.00",
             "row-1-owed_to_you": "12500.00"}


@pytest.fixture
def w() -> World:
    return world()


async def test_a_verified_letter_gets_its_workpaper_and_evidence_bundle_once(w: World) -> None:
    sent = await verified_company_letter(w, form=DIFFERENT,
                                         attachments=(("对账单.png", "image/png", PNG),))
    cid = sent.confirmation_id
    assert await w.hub.handle(commands.MakeWorkpaper(confirmation_id=cid)) is True

    paper, bundle = w.db.documents[(cid, WORKPAPER)], w.db.documents[(cid, EVIDENCE)]
    assert (paper.media_type, bundle.media_type) == ("application/pdf", "application/zip")
    assert paper.sha256 in w.hub.blobs.blobs and bundle.sha256 in w.hub.blobs.blobs
    (ready,) = w.db.events_of(events.WorkpaperReady)
    assert (ready.confirmation_id, ready.engagement_id, ready.redelivery) == (
        cid, w.engagement.id, False)
    assert outbox(w.db)[-1] == "workpaper.ready"  # the audit software adapter's cue

    # What the sealed workpaper is made of.
    (source,) = w.hub.workpaper_maker.made
    reply = next(iter(w.db.replies.values()))
    assert source.reply_pdf == w.hub.blobs.blobs[reply.sha256]
    assert source.letter_pdf == w.hub.blobs.blobs[w.db.confirmations[cid].letter_sha256 or ""]
    assert source.attachments == (("attachments/01.png", PNG),)
    facts = source.facts
    assert facts["confirmation"]["letter_number"] == "MC-2025-001"
    assert facts["engagement"]["client_name"] == "上海示例制造有限公司"
    assert facts["responder"]["channel"] == "portal"
    assert facts["reply"]["conclusion"] == "differences"
    assert [(e["row"], e["field"], e["difference"]) for e in facts["exceptions"]] == [
        (0, "owed_by_you", "-320.00")]
    statuses = [h["to_status"] for h in facts["history"] if h["to_status"]]
    assert statuses[-2:] == ["replied", "verified"]

    # The message redelivered: nothing is made twice.
    assert await w.hub.handle(commands.MakeWorkpaper(confirmation_id=cid)) is False
    assert len(w.hub.workpaper_maker.made) == 1 and len(w.db.events_of(events.WorkpaperReady)) == 1


async def test_a_letter_not_yet_verified_gets_no_workpaper(w: World) -> None:
    sent = await delivered_company_letter(w)
    assert await w.hub.handle(commands.MakeWorkpaper(
        confirmation_id=sent.confirmation_id)) is False
    assert not w.hub.workpaper_maker.made and "workpaper.ready" not in outbox(w.db)
    assert w.db.confirmations[sent.confirmation_id].status is Status.DELIVERED


async def test_a_sealer_that_fails_leaves_nothing_and_the_retry_makes_the_workpaper(
        w: World) -> None:
    sent = await verified_company_letter(w)
    cid = sent.confirmation_id
    blobs, logged = dict(w.hub.blobs.blobs), list(w.db.events)
    w.hub.workpaper_maker.error = OSError("the seal's HSM did not answer")
    with pytest.raises(OSError):
        await w.hub.handle(commands.MakeWorkpaper(confirmation_id=cid))
    assert (cid, WORKPAPER) not in w.db.documents and w.hub.blobs.blobs == blobs
    assert w.db.events == logged

    w.hub.workpaper_maker.error = None  # the consumer retries the message
    assert await w.hub.handle(commands.MakeWorkpaper(confirmation_id=cid)) is True
    assert (cid, WORKPAPER) in w.db.documents and (cid, EVIDENCE) in w.db.documents


async def test_a_hub_that_seals_nothing_parks_the_job_with_the_setting_named(w: World) -> None:
    sent = await verified_company_letter(w)
    w.hub.bus.deps = replace(w.hub.bus.deps, workpaper_maker=NoWorkpapers())
    logged = list(w.db.events)
    with pytest.raises(PartSwitchedOff, match='letter_signing = "off"'):
        await w.hub.handle(commands.MakeWorkpaper(confirmation_id=sent.confirmation_id))
    assert not w.db.documents.keys() - {(sent.confirmation_id, "letter")}
    assert w.db.events == logged
