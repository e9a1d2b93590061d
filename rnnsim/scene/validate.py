"""Checking a scene file's shape and types: _Validator turns the TOML document into a
Scene, or raises a SceneError naming the file, the line, what is wrong and a suggestion.
_Lines finds the line of each table and key in the source, which tomllib does not report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core import Model, tokenize
from ..core.naming import split_model_name
from ..sim import DEFAULT_TEXT, Settings, settings_from
from .actions import ACTIONS
from .captions import CAPTION_LINES, caption_fits, caption_lines
from .checks import CHECK_MODIFIERS, CHECKS, RENAMED_CHECKS
from .errors import SceneError, _Bad, _show, _suggest
from .schema import DEFAULT_SIZE, RANDOM_ONLY, SCENE_KEYS, SHIPPED_MODELS, STEP_KEYS
from .steps import Scene, Step


class _Lines:
    """Where keys are in the source: TOML itself only reports lines of syntax errors, so
    scan the text for table headers and `key =` lines (good enough for the usual layout)."""

    HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    KEY = re.compile(r"\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)\s*[.=]")

    def __init__(self, source: str):
        self.tables: dict[tuple, int] = {}  # (table, index) -> header line
        self.keys: dict[tuple, int] = {}  # (table, index, key) -> line
        self.top_keys: dict[str, int] = {}
        table: tuple = ("", 0)
        steps = 0
        in_multi = None
        for n, raw in enumerate(source.splitlines(), 1):
            if in_multi:
                if raw.count(in_multi) % 2 == 1:
                    in_multi = None
                continue
            m = self.HEADER.match(raw)
            if m and not raw.lstrip().startswith(("#",)):
                name = m.group(2).strip().strip("\"'")
                if m.group(1) == "[[" and name == "step":
                    table = ("step", steps)
                    steps += 1
                elif name.split(".")[0].strip() == "step" and m.group(1) == "[":
                    table = ("step", max(steps - 1, 0)) if "." in name else ("step", steps)
                else:
                    table = (name.split(".")[0].strip(), 0)
                self.tables.setdefault(table, n)
                if table[0] not in ("scene", "step"):
                    self.top_keys.setdefault(table[0], n)
                continue
            k = self.KEY.match(raw)
            if k:
                key = k.group(1).strip("\"'")
                self.keys.setdefault((*table, key), n)
                if table == ("", 0):
                    self.top_keys.setdefault(key, n)
            for q in ('"""', "'''"):
                if raw.count(q) % 2 == 1:
                    in_multi = q
                    break

    def table(self, name: str, index: int = 0) -> int | None:
        return self.tables.get((name, index))

    def key(self, name: str, index: int, key: str) -> int | None:
        return self.keys.get((name, index, key)) or self.tables.get((name, index))


class _Validator:
    def __init__(self, doc: dict, lines: _Lines, file: str, base_dir: Path):
        self.doc, self.lines, self.file, self.base_dir = doc, lines, file, base_dir

    def fail(self, message: str, line: int | None) -> SceneError:
        return SceneError(message, self.file, line)

    def value(self, checker, v, what: str, line: int | None):
        try:
            return checker(v)
        except _Bad as e:
            raise self.fail(f"{what} {e}", line) from None

    def scene(self) -> Scene:
        doc, L = self.doc, self.lines
        for key in doc:
            if key not in ("scene", "step"):
                line = L.top_keys.get(key)
                if key in SCENE_KEYS:
                    raise self.fail(f"'{key}' is outside any table: put it under [scene]", line)
                if key in ACTIONS or key in STEP_KEYS or key == "expect":
                    raise self.fail(f"'{key}' is outside any table: put it under a [[step]]", line)
                raise self.fail(
                    f"unknown table [{_show(key, 30).strip(chr(39))}]" + _suggest(key, ["scene", "step"]), line
                )
        if "scene" not in doc:
            raise self.fail("no [scene] table: a scene starts with [scene] (title, text, model...)", 1)
        head = doc["scene"]
        if not isinstance(head, dict):
            raise self.fail(
                "write the start as one [scene] table, not [[scene]] or scene = ...",
                L.table("scene") or L.top_keys.get("scene"),
            )
        steps = doc.get("step")
        if steps is None:
            raise self.fail("no [[step]]: add at least one step", L.table("scene"))
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise self.fail(
                "write each step as a [[step]] table (double brackets)", L.table("step") or L.top_keys.get("step")
            )
        if not steps:
            raise self.fail("no [[step]]: add at least one step", L.table("scene"))
        scene = self._head(head)
        scene.steps = [self._step(i, s) for i, s in enumerate(steps)]
        width = scene.size[0]
        if scene.description and not caption_fits(scene.description, width):
            n = len(caption_lines(scene.description, width))
            raise self.fail(
                f"[scene] description: it needs {n} lines at {width} columns and the caption area "
                f"shows {CAPTION_LINES}: shorten it, or widen size",
                L.key("scene", 0, "description"),
            )
        for st in scene.steps:
            if st.caption and not caption_fits(st.caption, width):
                n = len(caption_lines(st.caption, width))
                raise self.fail(
                    f"step {st.number}: the caption needs {n} lines at {width} columns and the "
                    f"caption area shows {CAPTION_LINES}: shorten it, split the step, or widen size",
                    L.key("step", st.index, "caption"),
                )
        seen: dict[str, Step] = {}
        for st in scene.steps:
            if st.snapshot is not None:
                if st.snapshot in seen:
                    raise self.fail(
                        f"step {st.number}: snapshot name {st.snapshot!r} is used twice "
                        f"(also step {seen[st.snapshot].number}); give each frame its own name",
                        L.key("step", st.index, "snapshot"),
                    )
                seen[st.snapshot] = st
        return scene

    def _head(self, head: dict) -> Scene:
        L = self.lines
        vals = {}
        for key, v in head.items():
            line = L.key("scene", 0, key)
            if key not in SCENE_KEYS:
                hint = ""
                if key in ACTIONS or key in STEP_KEYS or key == "expect":
                    hint = " (it belongs in a [[step]])"
                raise self.fail(
                    f"unknown key '{_show(key, 30).strip(chr(39))}' in [scene]{hint}" + _suggest(key, SCENE_KEYS), line
                )
            vals[key] = self.value(SCENE_KEYS[key], v, f"[scene] {key}", line)
        text = vals.get("text", DEFAULT_TEXT)
        if "model" in vals:
            settings = self._model(vals)
        else:
            settings = settings_from("random", **{k: vals.get(k) for k in RANDOM_ONLY})
        if "forget_bias" in vals:
            if settings.cell != "lstm":
                raise self.fail(
                    f"[scene] forget_bias: only an LSTM has a forget gate (the cell is {settings.cell})",
                    L.key("scene", 0, "forget_bias"),
                )
            settings = replace(settings, forget_bias=vals["forget_bias"])
        loss = vals.get("loss")  # None: the model's default (sim.default_loss)
        if isinstance(loss, int) and loss >= len(tokenize(text)):
            raise self.fail(
                f"[scene] loss: position {loss} is past the end of the text ({len(tokenize(text))} tokens)",
                L.key("scene", 0, "loss"),
            )
        return Scene(
            file=self.file,
            title=vals.get("title", Path(self.file).stem),
            description=vals.get("description", ""),
            size=vals.get("size", DEFAULT_SIZE),
            text=text,
            loss=loss,
            settings=settings,
            steps=[],
            pause=vals.get("pause"),
            line=L.table("scene"),
            loss_line=L.key("scene", 0, "loss") if "loss" in vals else None,
        )

    def _model(self, vals: dict) -> Settings:
        L = self.lines
        spec = vals["model"]
        line = L.key("scene", 0, "model")
        for k in RANDOM_ONLY:
            if k in vals:
                raise self.fail(
                    f"[scene] {k} describes a random model; it cannot change model = {_show(spec)}: remove one of them",
                    L.key("scene", 0, k),
                )
        if spec in SHIPPED_MODELS:
            cell, bi = split_model_name(spec)
            return Settings(source="trained", cell=cell, bidirectional=bi)
        path, model = self._model_file(spec, line, shipped=True)
        return Settings(
            source="file",
            path=str(path),
            cell=model.cell,
            bidirectional=model.bidirectional,
            hidden=model.hidden,
            embed=model.embed,
        )

    def _model_file(self, spec: str, line, shipped: bool) -> tuple[Path, Model]:
        """The model file a scene names, found from the scene's folder (an absolute path
        as it is), and loaded; a missing or broken file is one line."""
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.is_file():
            near = sorted(p.name for p in self.base_dir.glob("*") if p.suffix in (".safetensors", ".npz"))
            names = [*SHIPPED_MODELS, *near] if shipped else near
            close = difflib.get_close_matches(spec, names, n=1, cutoff=0.6)
            if close:
                tail = f"; did you mean '{close[0]}'?"
            elif shipped:
                tail = f"; give a file, or a shipped model: {', '.join(SHIPPED_MODELS)}"
            else:
                tail = "; give the path of a .safetensors or .npz file"
            where = _show(str(self.base_dir), 60)
            raise self.fail(
                f"model file {_show(spec)} not found (relative paths start at the scene's folder, {where}){tail}", line
            )
        from ..core import load_model

        try:
            model = load_model(path)
        except Exception as e:  # any file at all may be named here: never a traceback
            raise self.fail(f"model {_show(spec)} cannot be loaded: {e}", line) from None
        return path, model

    def _step(self, i: int, st: dict) -> Step:
        L = self.lines
        header = L.table("step", i)
        action = value = None
        action_line = None
        kw: dict[str, Any] = {}
        expect: tuple = ()
        expect_line = None
        for key, v in st.items():
            line = L.key("step", i, key)
            if key in ACTIONS:
                if action is not None:
                    raise self.fail(
                        f"step {i + 1} has two actions ({action} and {key}): one action per "
                        "[[step]]; split it into two steps",
                        line,
                    )
                action, action_line = key, line
                value = self.value(ACTIONS[key].check, v, f"step {i + 1}: {key}", line)
                if key == "model":  # a file, found from the scene's folder wherever it is played
                    value = str(self._model_file(value, line, shipped=False)[0])
            elif key in STEP_KEYS:
                kw[key] = self.value(STEP_KEYS[key], v, f"step {i + 1}: {key}", line)
            elif key == "expect":
                expect_line = line
                expect = self._expect(i, v, line)
            else:
                hint = ""
                if key in SCENE_KEYS:
                    hint = " (it belongs in [scene])"
                raise self.fail(
                    f"step {i + 1}: unknown action '{_show(key, 30).strip(chr(39))}'{hint}"
                    + _suggest(key, [*ACTIONS, *STEP_KEYS, "expect"], "actions"),
                    line,
                )
        return Step(
            index=i,
            line=header,
            action=action,
            value=value,
            expect=expect,
            expect_line=expect_line or header,
            action_line=action_line or header,
            caption=kw.get("caption", ""),
            pause=kw.get("pause"),
            snapshot=kw.get("snapshot"),
        )

    def _expect(self, i: int, v, line) -> tuple:
        """`expect = { ... }`, or a list of such tables (to check one thing twice, or at
        different positions: each table has its own `at` and `direction`)."""
        groups = v if isinstance(v, list) and v else [v]
        if not all(isinstance(g, dict) for g in groups):
            raise self.fail(
                f"step {i + 1}: expect must be a table of checks, e.g. "
                f'expect = {{ top = "mat" }}, or a list of them, not {_show(v)}',
                line,
            )
        out = []
        for g in groups:
            checks, at, direction = self._expect_group(i, g, line)
            out += [(name, value, at, direction) for name, value in checks]
        return tuple(out)

    def _expect_group(self, i: int, v: dict, line) -> tuple[tuple, int | None, str]:
        checks = []
        at, direction = None, "forward"
        for name, x in v.items():
            if name in CHECK_MODIFIERS:
                y = self.value(CHECK_MODIFIERS[name], x, f"step {i + 1}: expect {name}", line)
                if name == "at":
                    at = y
                else:
                    direction = y
                continue
            if name in RENAMED_CHECKS:
                raise self.fail(
                    f"step {i + 1}: the check '{name}' is now called '{RENAMED_CHECKS[name]}' "
                    "(the same value): rename it in expect",
                    line,
                )
            if name not in CHECKS:
                raise self.fail(
                    f"step {i + 1}: unknown check '{_show(name, 30).strip(chr(39))}' in expect"
                    + _suggest(name, [*CHECKS, *CHECK_MODIFIERS], "checks"),
                    line,
                )
            checks.append((name, self.value(CHECKS[name].check, x, f"step {i + 1}: expect {name}", line)))
        if not checks:
            raise self.fail(f"step {i + 1}: expect has no checks (only at/direction)", line)
        return tuple(checks), at, direction
