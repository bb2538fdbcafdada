"""The pure domain model of the hub: no I/O, standard library only."""
