"""kubeset's generator: OpenAPI spec → IR → pydantic models and typed clients."""
