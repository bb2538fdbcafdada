"""Signing: keys, certificates, PAdES signatures and their validation (a leaf library)."""
