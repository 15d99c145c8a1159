"""Deployment settings of the project's DAGs, read at parse time.

They live in Airflow's own configuration: section ``[bigcommerce_sync]`` of ``airflow.cfg``,
or ``AIRFLOW__BIGCOMMERCE_SYNC__<OPTION>`` in the environment. Each option's default is
given where it is read.
"""

from __future__ import annotations

from airflow.sdk.configuration import conf

SECTION = "bigcommerce_sync"


def setting_int(option: str, default: int) -> int:
    """Return the integer ``option`` of ``[bigcommerce_sync]``, or ``default``."""
    return conf.getint(SECTION, option, fallback=default)


def setting_float(option: str, default: float) -> float:
    """Return the number ``option`` of ``[bigcommerce_sync]``, or ``default``."""
    return conf.getfloat(SECTION, option, fallback=default)


def setting_bool(option: str, default: bool) -> bool:
    """Return the boolean ``option`` of ``[bigcommerce_sync]``, or ``default``."""
    return conf.getboolean(SECTION, option, fallback=default)
