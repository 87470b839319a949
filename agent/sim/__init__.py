"""Simulated devices and services for demos and tests: they speak the real protocols."""
