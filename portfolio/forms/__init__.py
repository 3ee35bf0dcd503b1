"""Plain forms for the portfolio pages, one module per area; the rules live in the services."""
