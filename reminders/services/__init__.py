"""The reminder engine's writes, split by sub-domain: registry, dispatch, sending, unsubscribe,
preview, and the wire format (email) and precompiled layouts (layouts) they use."""
