"""Scrapy commands of the project (COMMANDS_MODULE): `crawl` with newsmon's exit status."""
