"""The domain core: values and rules of jobs, vaults, routes, chains and failures.

It imports nothing else of the library (the architecture test holds it)."""
