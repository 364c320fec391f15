"""Polite, robust fetching for following outlets (issue 17): `client.Fetcher` fetches one
URL at a time under robots.txt, per-host rate limits, conditional GET, retries and hard
caps, and never raises for a bad page; `warc.RollingWarc` keeps every fetched page in
rolling WARC files that `kabar ingest` reads back."""

from kabar.fetch.client import Fetcher, FetchResult
from kabar.fetch.warc import RollingWarc
from kabar.urls import normalize

__all__ = ["FetchResult", "Fetcher", "RollingWarc", "normalize"]
