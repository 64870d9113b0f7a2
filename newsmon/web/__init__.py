"""What `newsmon serve` adds to Datasette: review pages, the chart, logins."""
