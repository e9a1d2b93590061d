"""Shared pieces of the panels: a Line API base that draws from the Simulation, a scroll
hint, and window helpers.

Every panel draws its picture as one rich Text (`draw`), which is turned into Strips once
per change of what it shows and cached: a frame that redraws the screen for another panel
costs this one nothing. When the picture is taller than the panel, the panel scrolls (mouse
wheel) and says so on its box's lower border ("↓ 4 more lines"); nothing is cut silently.
"""

from __future__ import annotations

from functools import lru_cache

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...sim import Simulation
from ...textsafe import printable
from ..palette import Palette, palette_for
from .direct import direct_lines
from .kept import KeptLines
from .line import Line


class SimWidget(KeptLines, ScrollView, can_focus=False):
    """A panel that draws from a Simulation pushed to it by the app ("attributes down")."""

    DEFAULT_CSS = """
    SimWidget { width: 1fr; overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1; background: transparent; }
    """
    HINT = True  # say on the parent box's border when lines are out of view

    sim: Simulation | None = None
    _shown_key: object = None
    _layout_key: object = None

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._strips: list[Strip] = []
        self._blank: Strip | None = None
        self._hint = ""

    def view_key(self, sim: Simulation) -> object:
        """What this panel's picture depends on; the panel is redrawn only when it changes.
        By default: anything (every command stamps a new sim.version). The stamps are unique
        across Simulations, so a new session never matches an old key."""
        return sim.version

    def layout_key(self, sim: Simulation) -> object:
        """What this panel's height depends on (for `height: auto` panels); a change
        asks for a layout pass, which costs far more than a redraw."""
        return None

    def show(self, sim: Simulation) -> None:
        key = self.view_key(sim)
        if key == self._shown_key:
            return
        self.sim, self._shown_key = sim, key
        layout_key = self.layout_key(sim)
        relayout = layout_key != self._layout_key
        self._layout_key = layout_key
        before = (self._strips, self._built_width, self.virtual_size)
        self.redraw()
        if relayout:
            self.refresh(layout=True)
        else:
            self._refresh_changed(*before)

    def _refresh_changed(self, old: list[Strip], old_width: int, old_size: Size) -> None:
        """Repaint only the lines whose segments changed (redraw keeps an unchanged line's
        old Strip): Textual renders every repainted line again, border, padding, colour
        filter and all, which costs more than drawing it. A change of width, height or
        line count repaints the whole panel."""
        new = self._strips
        if self._built_width != old_width or self.virtual_size != old_size or len(new) != len(old):
            self.refresh()
            return
        first = None
        for y, (a, b) in enumerate(zip(old, new, strict=True)):
            if a is not b and first is None:
                first = y
            elif a is b and first is not None:
                self.refresh_lines(first, y - first)
                first = None
        if first is not None:
            self.refresh_lines(first, len(new) - first)

    def redraw(self) -> None:
        """Draw the picture again (the theme, the size or the Simulation changed)."""
        if self.sim is None or not self.is_mounted:
            return
        width = self.scrollable_content_region.width
        if width <= 0:
            # Hidden (below 110 columns the gradient view takes the prediction's place): the
            # picture is out of date; render_line draws it again when the box comes back,
            # at whatever width (it came back at the same width and showed the old one).
            self._built_width = 0
            return
        self.forget_lines()  # (a redraw in render_lines asks Textual for no repaint)
        base = self._base_style()
        strips = []
        picture = self.draw(self.sim)
        if isinstance(picture, Text):
            picture = picture.split("\n", allow_blank=True)
            if len(picture) > 1 and not picture[-1].plain:
                picture.pop()  # a picture's closing newline is not a line of its own
        # an unchanged line keeps its old Strip (and the caches Textual keeps on it); the
        # comparison is cheap: an unchanged segment has the very same Style object
        old = self._strips if width == self._built_width else []
        for line in picture:
            # One Strip per line, made once: every Strip operation makes a new Strip (with
            # caches of its own), which cost more than drawing the line.
            if isinstance(line, Line):
                if line.cell_len > width:
                    line = line.to_text()  # cut with … as a Text is
                else:
                    segments = [Segment(text, self._span_style(base, style)) for text, style in line.runs]
                    used = line.cell_len
            if isinstance(line, Text):
                line.truncate(width, overflow="ellipsis")  # a panel never wraps
                own = line.style  # under every span the panel's colours, then the line's own style
                line.style = base + (own if isinstance(own, Style) else Style.parse(own)) if own else base
                segments = self._text_segments(line)
                used = line.cell_len
            elif not isinstance(line, Line):  # segments built by the panel, on its colours
                segments = list(line)
                used = line.cell_len
                if used > width:
                    segments = Segment.adjust_line_length(segments, width - 1) + [Segment("…", base)]
                    used = width
            if used < width:
                segments.append(Segment(" " * (width - used), base))
            y = len(strips)
            strips.append(old[y] if y < len(old) and old[y]._segments == segments else Strip(segments, width))
        wanted = self.wanted_height
        self._strips = strips
        if self.wanted_height != wanted:  # the app shares the rows out by what panels want
            fit = getattr(self.app, "fit_layout", None)
            if fit is not None:
                self.app.call_later(fit)
        self._blank = Strip([Segment(" " * width, base)], width)
        self._built_width = width
        size = Size(width, len(strips))
        if size != self.virtual_size:
            self.virtual_size = size
            # Whether the scrollbar shows is decided when the widget's size changes; decide
            # again now that the picture's height did (else a scrollbar stays on, and the
            # lines are drawn a column narrower than the panel).
            self._scroll_update(size)
        self._update_hint()

    def _text_segments(self, line: Text) -> list[Segment]:
        """What line.render(console) gives for a line whose spans do not overlap (how
        the panels append), without rich's general machinery: the line's own style in the
        gaps, the line's style + the span's where a span is. The combined styles are kept
        in a dict while the line style stays (the panel's base rarely changes)."""
        spans = line.spans
        text = line.plain
        style = line.style
        if not spans:  # (Text.render leaves a line without spans unstyled)
            return [Segment(text, style)]
        out = []
        at = 0
        for start, end, span_style in spans:
            if start < at or end > len(text):  # overlapping spans: rich stacks their styles
                return list(line.render(self.app.console, end=""))
            if start > at:
                out.append(Segment(text[at:start], style))
            if end > start:
                out.append(Segment(text[start:end], self._span_style(style, span_style)))
            at = max(at, end)
        if at < len(text):
            out.append(Segment(text[at:], style))
        return out

    def _span_style(self, line_style: Style, span_style) -> Style:
        """The style rich gives a span's text: the line's style + the span's (parsed as
        the console parses it); kept in a dict while the line style stays."""
        if span_style is None:
            return line_style
        if self._span_base is not line_style:
            self._span_base, self._span_styles = line_style, {}
        combined = self._span_styles.get(span_style)
        if combined is None:
            parsed = self.app.console.get_style(span_style, default=Style.null())
            combined = self._span_styles[span_style] = Style.combine((line_style, parsed))
        return combined

    _span_base: Style | None = None
    _span_styles: dict = {}  # (replaced, never filled, on the first use: see _span_style)

    def on_base(self, style: Style | None) -> Style:
        """`style` over the panel's own colours (what a segment of an OnBase line carries),
        looked up in a dict kept while the base stays: a panel has a few dozen styles and
        hundreds of segments, and rich's own cache of Style sums costs more per segment."""
        base = self._base_style()
        if self._styled_base is not base:
            self._styled_base, self._styled = base, {}
        combined = self._styled.get(style)
        if combined is None:
            combined = self._styled[style] = base + style
        return combined

    _styled_base: Style | None = None
    _styled: dict = {}  # (replaced, never filled, on the first use: see on_base)
    _base: Style | None = None

    def _base_style(self) -> Style:
        """The panel's own colours (computed from the CSS once; again after a theme switch)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def forget_style(self) -> None:
        self._base = None

    @property
    def palette(self) -> Palette:
        """The data colours for the current theme's background."""
        return palette_for(self.app)

    @property
    def wanted_height(self) -> int:
        """Lines the picture has (the rows this panel would need to show it whole)."""
        return len(self._strips)

    @property
    def content_width(self) -> int:
        """Cells a line has (the panel's width less its scrollbar, when it shows one)."""
        return self.scrollable_content_region.width

    _built_width = 0

    def render_lines(self, crop):
        # Once a frame, not once a line (the region is worked out anew at every call)
        if self.scrollable_content_region.width != self._built_width:
            # A scrollbar came or went: the width changed without a Resize event.
            self.redraw()
        return super().render_lines(crop)

    def fresh_lines(self, crop):
        return direct_lines(self, crop) or super().fresh_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_offset.y)
        if index < len(self._strips):
            return self._strips[index]
        return self._blank or Strip.blank(self.size.width, self.rich_style)  # (a style: NO_COLOR's filter needs one)

    def on_resize(self) -> None:
        self.redraw()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_hint()

    def _update_hint(self) -> None:
        """ "↓ n more lines" on the box's lower border while lines are out of view."""
        if not self.HINT or self.parent is None:
            return
        hint = scroll_hint(len(self._strips), int(self.scroll_offset.y), self.size.height)
        if hint != self._hint:
            self._hint = hint
            self.parent.border_subtitle = hint

    def draw(self, sim: Simulation) -> Text | list[Line | Text | OnBase]:
        """The panel's picture for this Simulation: one Text, or its lines as Lines, Texts
        and OnBase segments (lines may run long: they are cut with …)."""
        raise NotImplementedError


class OnBase(list):
    """A line's segments, built by the panel with their styles already over its colours
    (SimWidget.on_base), and the cells they take: redraw uses them as they are. (A row of
    bars has a segment per unit; combining and measuring each one again cost more than
    choosing it.)"""

    __slots__ = ("cell_len",)

    def __init__(self, segments=(), cell_len: int = 0) -> None:
        super().__init__(segments)
        self.cell_len = cell_len

    def add(self, segment: Segment, cells: int | None = None) -> None:
        """Append `segment`, `cells` wide (measured when not given)."""
        self.append(segment)
        self.cell_len += cell_len(segment.text) if cells is None else cells


def scroll_hint(total: int, top: int, height: int) -> str:
    """What a panel showing lines [top, top+height) of `total` says about the rest."""
    if height <= 0 or total <= height:
        return ""
    below = max(0, total - top - height)
    if below:
        more = f"↓ {below} more line{'s' if below > 1 else ''}"
        return f"{more}, scroll" if top == 0 else f"↑ {top} · {more}"
    return f"↑ {top} line{'s' if top > 1 else ''} above, scroll"


def window(n: int, focus: int, capacity: int) -> tuple[int, int]:
    """The [start, end) slice of n items, `capacity` long, that keeps `focus` in view
    (a third of the way in, so the reading direction has room ahead)."""
    capacity = max(1, capacity)
    if n <= capacity:
        return 0, n
    start = max(0, min(focus - capacity // 3, n - capacity))
    return start, start + capacity


@lru_cache(maxsize=4096)
def clip(text: str, width: int) -> str:
    """A token made printable and cut to `width` cells (with … when cut). A character
    model's space is a token of its own: shown as ␠ (as `rnnsim trace` shows it), not as
    a blank that reads as nothing in a box, a list of guesses or a quote. Kept for the
    words on screen: the token line, the chain, the heatmap's axis and the panels clip
    some eighty a step, the same words again and again."""
    s = "␠" if text == " " else printable(text)
    if cell_len(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"
