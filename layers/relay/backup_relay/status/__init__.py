"""Status: what the chains and jobs of a night did."""
