"""Keys that write a file or make a model: save the model in use (S), save the session as
a scene (w), and train a model live on the shipped corpus (t). Each writes whole or not at
all and says where it wrote; a failure is one notice, and the app keeps running."""

from __future__ import annotations

from pathlib import Path


class FileKeys:
    def action_train(self) -> None:
        from ...core.corpus import CorpusError
        from ...sim.training import LiveTraining
        from ..screens.train import TrainScreen

        sim = self.sim
        try:
            live = LiveTraining(
                sim.tokens, cell=sim.model.cell, bidirectional=sim.model.bidirectional,
                hidden=max(4, min(64, sim.model.hidden)), seed=sim.settings.seed,
            )  # fmt: skip
        except (CorpusError, ValueError) as e:
            self.notify(f"cannot train: {e}", severity="error")
            return

        def use(model, origin: str) -> None:
            self.run_command(sim.set_model, model, origin)

        self.push_screen(TrainScreen(live, use))

    def action_record(self) -> None:
        """Write sim.history as a scene file, atomically (to `record_path` if set, as by
        `rnnsim record FILE`; else a new rnnsim-session-*.toml here)."""
        from ...scene import SceneError, model_file_names, save_session

        try:
            path = save_session(self.sim, getattr(self, "record_path", None), size=tuple(self.size))
        except SceneError as e:
            self.notify(str(e), severity="error", timeout=6)
            return
        models = model_file_names(self.sim, path)  # written beside it: the scene plays with them
        beside = f", with the model trained here beside it: {', '.join(models)}" if models else ""
        self.notify(f"saved this session as a scene: {path}{beside}", timeout=5)

    def action_save_model(self) -> None:
        """Write the model in use to a new rnnsim-model-*.safetensors here, atomically."""
        import time

        from ...core.modelfile import save_model

        stem = f"rnnsim-model-{time.strftime('%Y%m%d-%H%M%S')}"
        path, n = Path(f"{stem}.safetensors"), 1
        while path.exists():  # two saves in one second keep both
            n += 1
            path = Path(f"{stem}-{n}.safetensors")
        try:
            save_model(self.sim.model, path)
        except OSError as e:
            self.notify(f"could not save the model to {path}: {e.strerror or e}", severity="error", timeout=6)
            return
        self.notify(f"saved the model: {path} (open it with rnnsim --model {path})", timeout=6)
