"""Portfolio: projects, applications, CV check and interview practice (built in its own issue)."""
