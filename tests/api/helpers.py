"""Worker slugs of the emulator's built-in Workers, used across the api tests."""

CATALOGUE = "coreclaw/catalogue-generator"
FAILING = "coreclaw/failing-worker"
SLOW = "coreclaw/slow-worker"
WEB = "coreclaw/web-page-scraper"
