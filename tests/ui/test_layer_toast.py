"""The toast of a layer key at the end of the stack reads as one sentence."""

from rnnsim.ui.scene_app import settle

from .test_layers import stacked_app


async def test_the_layer_keys_toast_at_either_end_has_no_nested_parentheses():
    app = stacked_app(layers=2)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("right", "right_square_bracket")  # already at the top (the head reads it)
        await settle(pilot)
        await pilot.press("left_square_bracket", "left_square_bracket")  # down, then past the bottom
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert notes == [
            "already at the top layer, 2 of 2: the head reads it",
            "already at the bottom layer, 1 of 2: it reads the words",
        ], notes
