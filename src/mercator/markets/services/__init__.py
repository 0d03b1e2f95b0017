"""The markets' writers: one module per kind of market (auctions, group buys, forwards,
proposals) and what they share (``common``)."""
