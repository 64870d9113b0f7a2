"""newsmon's own Scrapy signal (Scrapy's are in scrapy.signals)."""

# Sent (send_catch_log_async) by a spider that must know that what it passed on is stored
# before it goes on (the ingest of shared crawls acknowledges Redis messages then): every
# stage that buffers writes them now; the handlers return when the transactions committed.
flush_requested = object()

# Sent by the shared crawl's scheduler once it has joined the crawl (scheduler=...): the
# worker's run owner keeps it (worker id, the shared idle clock).
shared_crawl_joined = object()
