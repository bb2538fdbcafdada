"""Property-based tests over the served OpenAPI document."""
