"""Widgets draw from the Simulation; they never compute model maths."""
