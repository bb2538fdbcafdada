"""The responder registry's use cases against in-memory fakes: four eyes, versions, routing."""

from __future__ import annotations

import pytest

from hub.domain import commands
from hub.domain.errors import Conflict, Forbidden, ValidationFailed
from hub.domain.model import Caller, OrgKind, Role
from hub.domain.responders import Channel, Responder, ResponderStatus
from tests.e2e.conftest import new_uscc
from tests.unit.fakes import World, fake_certificate, world


def admin(key: str) -> Caller:
    return Caller(org_id="operator", org_kind=OrgKind.OPERATOR, role=Role.ADMIN, key_id=key)


ALICE, BOB = admin("alice"), admin("bob")


@pytest.fixture
def w() -> World:
    return world()


async def registered(w: World, uscc: str | None = None) -> Responder:
    entry: Responder = await w.hub.handle(commands.RegisterResponder(
        caller=ALICE, kind="bank", name=" 京华银行北京分行 ", uscc=uscc or new_uscc(),
        channel="bank_api_pull", bank_code="313100000013",
        certificates=(fake_certificate("CN=京华银行 函证专用"),)))
    return entry


async def test_a_new_entry_waits_for_a_second_admin_and_letters_do_not_go_to_it(
        w: World) -> None:
    entry = await registered(w)
    assert entry.status is ResponderStatus.PENDING and not entry.routable
    assert entry.name == "京华银行北京分行"  # as typed, trimmed
    letter = w.letter(responder={"name": entry.name, "uscc": entry.uscc})
    with pytest.raises(ValidationFailed) as refused:
        await w.hub.handle(w.submit(letter))
    assert refused.value.field == "/letter/responder/uscc"

    with pytest.raises(Forbidden):  # four eyes: not the admin who registered it
        await w.hub.handle(commands.VerifyResponder(caller=ALICE, responder_id=entry.id,
                                                    version=entry.version))
    verified: Responder = await w.hub.handle(commands.VerifyResponder(
        caller=BOB, responder_id=entry.id, version=entry.version))
    assert verified.status is ResponderStatus.VERIFIED and verified.routable
    done = await w.hub.handle(w.submit(letter))
    assert done.confirmation.responder_org_id == verified.org_id


async def test_a_change_of_channel_needs_a_new_verification(w: World) -> None:
    entry = await registered(w)
    entry = await w.hub.handle(commands.VerifyResponder(caller=BOB, responder_id=entry.id,
                                                        version=entry.version))
    changed: Responder = await w.hub.handle(commands.ChangeResponder(
        caller=ALICE, responder_id=entry.id, version=entry.version,
        changes={"channel": "bank_api_push", "endpoint": "https://api.jinghua.example/letters"}))
    assert changed.channel is Channel.BANK_API_PUSH
    assert changed.status is ResponderStatus.PENDING and not changed.routable


async def test_a_change_made_on_an_old_version_is_refused_and_changes_nothing(
        w: World) -> None:
    entry = await registered(w)
    await w.hub.handle(commands.ChangeResponder(
        caller=ALICE, responder_id=entry.id, version=entry.version,
        changes={"reply_scope": "北京分行辖内"}))
    with pytest.raises(Conflict) as stale:
        await w.hub.handle(commands.ChangeResponder(
            caller=BOB, responder_id=entry.id, version=entry.version,
            changes={"reply_scope": "总行"}))
    assert stale.value.field == "/version"
    now = await w.hub.handle(commands.VerifyResponder(caller=BOB, responder_id=entry.id,
                                                      version=entry.version + 1))
    assert now.reply_scope == "北京分行辖内"


async def test_only_an_admin_changes_the_registry_and_bad_input_names_its_field(
        w: World) -> None:
    with pytest.raises(Forbidden):
        await w.hub.handle(commands.RegisterResponder(
            caller=w.auditor, kind="bank", name="某银行", uscc=new_uscc(),
            channel="bank_api_pull"))
    with pytest.raises(ValidationFailed) as bad_channel:
        await w.hub.handle(commands.RegisterResponder(
            caller=ALICE, kind="bank", name="某银行", uscc=new_uscc(), channel="fax"))
    assert bad_channel.value.field == "/channel"
    with pytest.raises(ValidationFailed) as bad_uscc:
        await w.hub.handle(commands.RegisterResponder(
            caller=ALICE, kind="bank", name="某银行", uscc="91110000710935732A",
            channel="bank_api_pull"))
    assert bad_uscc.value.field == "/uscc"
    with pytest.raises(ValidationFailed) as bad_cert:
        await w.hub.handle(commands.RegisterResponder(
            caller=ALICE, kind="bank", name="某银行", uscc=new_uscc(), channel="bank_api_pull",
            certificates=("not a certificate",)))
    assert bad_cert.value.field == "/certificates/0"


async def test_the_same_uscc_is_registered_once_until_retired(w: World) -> None:
    uscc = new_uscc()
    entry = await registered(w, uscc)
    with pytest.raises(Conflict):
        await registered(w, uscc)
    retired: Responder = await w.hub.handle(commands.RetireResponder(
        caller=BOB, responder_id=entry.id, version=entry.version, reason="机构撤并"))
    assert retired.status is ResponderStatus.RETIRED and not retired.routable
    again = await registered(w, uscc)
    assert again.id != entry.id and again.status is ResponderStatus.PENDING
