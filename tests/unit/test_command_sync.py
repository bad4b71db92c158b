from bot.command_sync import CommandSyncState, command_set_hash
from bot.storage.meta import MetaRepository


def test_hash_ignores_order_but_not_content():
    a = {"name": "help", "type": 1, "description": "d"}
    b = {"name": "about", "type": 1, "description": "e"}
    assert command_set_hash([a, b]) == command_set_hash([b, a])
    assert command_set_hash([a, b]) != command_set_hash([a, {**b, "description": "changed"}])


async def test_state_tracks_each_target_separately(db):
    state = CommandSyncState(MetaRepository(db))
    assert await state.needs_sync(None, "h1")
    await state.record_sync(None, "h1", now=1)
    assert not await state.needs_sync(None, "h1")
    assert await state.needs_sync(None, "h2")
    assert await state.needs_sync(42, "h1")
