"""Tests of the reference bank (adapters.bank_sim): ledger, return reasons and replies."""
