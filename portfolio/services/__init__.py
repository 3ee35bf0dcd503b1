"""Portfolio services, one module per area."""
