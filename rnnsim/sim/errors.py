"""The one error a Simulation command raises."""


class SimError(ValueError):
    """A command that cannot be carried out; the message is one line for the user."""
