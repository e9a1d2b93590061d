"""The generation row: the temperature, the keys that write on, and (toggled with o) the
model's guesses two ways: reading the real text (teacher forcing) and reading its own
guesses from the cursor on (free running). Hidden until a generation key is used."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from .base import SimWidget, clip, window

LABEL_W = 10  # "teacher" / "free run" column
KEYS_FORMS = (  # the keys line, full to short
    "g: write on   < >: temperature   o: teacher forcing vs free running",
    "g: write on  < >: temperature  o: forced vs free",
    "g write  < > temp  o forced/free",
)

# The app's generation keys (its actions sample, temperature(±1), free_run). Not in the
# footer: the row they open shows them. [ and ] are the layer keys, hence < and >.
GENERATION_BINDINGS = [
    Binding("g", "sample", "Write", show=False, id="sample",
            tooltip="extend the text with the model's own pick for the next token"),
    Binding("greater_than_sign", "temperature(1)", "Temp+", show=False, id="temp_up",
            tooltip="generation: raise the temperature"),
    Binding("less_than_sign", "temperature(-1)", "Temp−", show=False, id="temp_down",
            tooltip="generation: lower the temperature"),
    Binding("o", "free_run", "Free run", show=False, id="free_run",
            tooltip="teacher forcing vs free running: both rows of guesses"),
]  # fmt: skip


class GenerationPanel(SimWidget):
    DEFAULT_CSS = "GenerationPanel { height: auto; padding: 0 1; display: none; }"

    def view_key(self, sim) -> object:
        return (sim.version, self.size.width)

    def layout_key(self, sim) -> object:
        return (sim.show_generation, sim.show_free_run)

    def show(self, sim) -> None:
        self.display = sim.show_generation
        super().show(sim)

    def draw(self, sim) -> Text:
        out = Text(no_wrap=True)
        T = sim.temperature
        out.append("generate ", style="bold")
        out.append(f"T={T:g}", style="bold magenta")
        out.append(" (the likeliest)" if T == 0 else " (surer)" if T < 1 else " (wilder)" if T > 1 else "")
        # the keys in the first form the line holds whole (the full one was cut at 80 columns)
        room = self.content_width - out.cell_len - 3
        out.append("   " + next((k for k in KEYS_FORMS if len(k) <= room), KEYS_FORMS[-1]), style="dim")
        why = sim.can_generate()
        if why:
            out.append("\n" + why, style="yellow")
            return out
        out.append("\ng takes the first of: " if T == 0 else "\ng draws the next word from: ", style="dim")
        out.append("  ".join(f"{clip(w, 10)} {p:.0%}" for w, p in sim.next_pick(5)))
        if not sim.show_free_run:
            return out
        rows = sim.forced_and_free()
        vocab = sim.model.vocab.tokens
        targets = sim.trace.targets
        n = sim.T
        col = 8
        k = rows.prompt_len
        prompt = " ".join(sim.tokens[:k])
        # what each row reads, beside it: in full where the columns leave room, else shorter
        # (the full words ran past the panel's edge at 80 columns)
        says = [("reads the real words", f"reads “{clip(prompt, 16)}”, then its own guesses")]
        says += [("reads the real words", "reads its own guesses"), ("real words", "own guesses")]
        for teacher, free in says:
            columns = (self.content_width - LABEL_W - 2 - max(len(teacher), len(free))) // col
            if columns >= min(n, 4):
                break
        start, end = window(n, max(0, sim.cursor - 1), max(1, columns))
        lines = {
            "read": Text(f"{'reads':<{LABEL_W}}"),
            "teacher": Text(f"{'teacher':<{LABEL_W}}"),
            "free": Text(f"{'free run':<{LABEL_W}}"),
        }
        for t in range(start, end):
            lines["read"].append(f"{clip(sim.tokens[t], col - 1):<{col}}", style="cyan" if t < k else "")
            for name, ids in (("teacher", rows.teacher), ("free", rows.free)):
                tok = vocab[ids[t]]
                # green: the real next word; red: another; dim: the text has no next word
                style = "dim" if targets[t] is None else "green" if ids[t] == targets[t] else "red"
                lines[name].append(f"{clip(tok, col - 1):<{col}}", style=style)
        out.append("\n")
        out.append_text(lines["read"])
        out.append("\n")
        out.append_text(lines["teacher"])
        out.append("  " + teacher, style="dim")
        out.append("\n")
        out.append_text(lines["free"])
        out.append("  " + free, style="dim")
        return out
