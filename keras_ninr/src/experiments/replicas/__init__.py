"""Replica-batched training: K runs of one network in one compiled step."""
