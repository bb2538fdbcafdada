"""What every HTTP edge (API, web UI, portal) shares: refusing control characters in what
comes in, and the client's address behind trusted proxies."""
