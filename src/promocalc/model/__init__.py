"""Validated input models: the edge where configs and carts are checked."""
