"""The application: dual-work scheduling with paired requests (frontiers, noise and supply of
entanglement, plots, simulation, scans).

The model itself (the game a ``[model] kind = "dual-work"`` file generates, its size classes
and waiting coefficients, the throughput Theta(p)) lives in certify.games.dualwork and
certify.games.throughput, where the checker may import it without this package (which
imports the search code in certify.bounds); this package's modules import it from there.
"""
