"""Samplers that run beside a scenario; each reads a source tests can point at a fake root."""
