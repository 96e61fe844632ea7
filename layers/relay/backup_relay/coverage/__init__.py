"""Coverage: how recent each chained resource's DR copy is."""
