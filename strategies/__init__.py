"""Control strategies: small classes behind app.control.Strategy, found through entry points.

Each module holds one strategy and its parameter model; docs/strategies.md documents them.
"""
