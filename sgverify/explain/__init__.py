"""Explain: concrete packets evaluated on the model, and the rules responsible."""
