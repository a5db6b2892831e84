"""One module per fenced block type (chart, kpi, roadmap, survey), loaded on first use."""
