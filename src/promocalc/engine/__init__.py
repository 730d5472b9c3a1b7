"""The pricing engine: compiled, plain objects and integer arithmetic only."""
