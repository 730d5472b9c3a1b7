"""Reading and writing documents: YAML/JSON with positions, safely and within bounds."""
