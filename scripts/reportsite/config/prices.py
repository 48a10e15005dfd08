"""The one table of prices the month's bill uses (USD list prices; AWS us-east-1, S3 Standard; GitHub-hosted
standard Linux 2-core runner; Athena per TB scanned). site.yaml's ``prices`` overrides any of them by name;
``ops.costs`` estimates the bill from them.
"""

from __future__ import annotations

GB = 1024**3  # AWS bills storage and transfer by the GB of 2^30 bytes

# name: (price, unit, where it comes from). The one table; site.yaml `prices:` overrides by name.
PRICE_TABLE: dict[str, tuple[float, str, str]] = {
    "s3_storage_gb_month": (0.023, "per GB-month", "S3 Standard storage, first 50 TB, us-east-1"),
    "s3_put_per_1000": (0.005, "per 1,000 requests", "S3 PUT, COPY, POST and LIST requests, us-east-1"),
    "s3_get_per_1000": (0.0004, "per 1,000 requests", "S3 GET, HEAD and all other requests, us-east-1"),
    "transfer_out_gb": (0.09, "per GB", "data transfer out of AWS to the internet, first 10 TB, us-east-1"),
    "transfer_free_gb": (100.0, "GB a month", "AWS's free transfer out to the internet, every month"),
    "actions_minute": (0.006, "per minute", "GitHub-hosted standard Linux 2-core runner (from 2026-01-01)"),
    "actions_free_minutes": (2000.0, "minutes a month", "included minutes of a private repository on GitHub Free"),
    "athena_tb_scanned": (5.0, "per TB scanned", "Amazon Athena SQL queries, us-east-1 (engine: athena; check your "
                                                 "workgroup's pricing)"),
}
PRICES: dict[str, float] = {name: price for name, (price, _, _) in PRICE_TABLE.items()}


__all__ = ["GB", "PRICES", "PRICE_TABLE"]
