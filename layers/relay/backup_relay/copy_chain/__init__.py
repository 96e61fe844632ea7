"""The copy chain: its state and decisions (pure), and the use cases that drive it through ports."""
