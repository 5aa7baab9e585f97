"""The `bizai` command: thin layers over the library, one module per command group."""
