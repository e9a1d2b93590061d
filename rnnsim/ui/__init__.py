"""The Textual app: screens and widgets that draw a Simulation (they never compute model maths)."""
