"""What every process needs around the core: settings, logging, clocks, the blob store, the
secret box, the PRC calendar's data, certificate reading and JSON text."""
