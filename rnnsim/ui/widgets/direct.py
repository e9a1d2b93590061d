"""A panel's lines handed to the compositor as they are, without Textual's per-line styling.

Textual renders each repainted line of a widget through its styles cache: it pads the line
to the content width, copies it into a new Strip for border, padding, tint and opacity,
then runs the app's line filters (ANSI colours to true colour, NO_COLOR) into another
Strip. For a panel without border, padding, tint or opacity, all of that but
the filters leaves the line as it was, and a step repaints some forty such lines (with
every Strip's own caches built anew). `direct_lines` gives the compositor what the styles
cache would for such a widget: the line, padded where short, through the same filters
(cached on each Strip, as Textual caches them). A scrollbar changes nothing here: Textual
pads a line to the width the scrollbar takes part of, as this does, and the compositor
draws the scrollbar over that column. For any other widget it returns None and the widget
renders as Textual renders it.
"""

from __future__ import annotations

from textual.geometry import NULL_SPACING, Region
from textual.strip import Strip
from textual.widget import Widget


def direct_lines(widget: Widget, crop: Region) -> list[Strip] | None:
    """The lines `crop` covers, as Textual's styles cache would render them, or None when
    the widget has anything that cache would add (then render it the usual way)."""
    styles = widget.styles
    if (
        not hasattr(widget, "_styles_cache")  # (Textual's own: without it, Textual's path)
        or styles.gutter != NULL_SPACING  # border or padding
        or styles.tint.a
        or styles.text_opacity != 1.0
        or styles.has_rule("hatch")
        or any(edge for edge, _ in styles.outline)
        or widget.opacity != 1.0
    ):
        return None
    base_background, background = widget.background_colors
    width = widget.region.width
    filters = widget.get_line_filters()
    fill = None  # the style a short line is padded with (the cache's "inner" style)
    render_line = widget.render_line
    lines = []
    for y in crop.line_range:
        strip = render_line(y)
        if strip.cell_length != width:
            if fill is None:
                fill = widget._styles_cache.get_inner_outer(base_background, background)[0].rich_style
            strip = strip.adjust_cell_length(width, fill)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        lines.append(strip)
    x1, x2 = crop.column_span
    if (x1, x2) != (0, width):
        lines = [strip.crop(x1, x2) for strip in lines]
    return lines
