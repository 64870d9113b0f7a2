"""Generator of the offline demo site: story data, outlet markup, output registry, self-checks."""
