"""Library entry points that string the layers together (the CLI calls these)."""
