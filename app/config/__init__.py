"""Station and device-template configuration: schema, loading and error reporting."""
