"""The reminder engine: deliveries, the registry of kinds, dispatch, sending, unsubscribe."""
