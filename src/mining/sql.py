"""Read transactions from a SQL database (SQLAlchemy URL) with ``table=`` or ``query=``."""

from __future__ import annotations

import pandas as pd

from mining.errors import MiningError, ParameterError

__all__ = ["read_sql"]


def read_sql(url: str, *, table: str | None = None, query: str | None = None) -> pd.DataFrame:
    """Read a table or the result of one query from a SQLAlchemy URL."""
    if (table is None) == (query is None):
        raise ParameterError(
            f"Reading from the database {url.split('://', 1)[0]}://... needs exactly one of "
            "table='orders' or query='SELECT ...'."
        )
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
        raise MiningError(f"Cannot use the database URL {url!r}: {exc}") from None
    try:
        with engine.connect() as conn:
            if table is not None:
                if not sa.inspect(conn).has_table(table):
                    names = sa.inspect(conn).get_table_names()
                    raise MiningError(
                        f"The database has no table {table!r}; it has: {', '.join(names) or 'none'}."
                    )
                return pd.read_sql_table(table, conn)
            return pd.read_sql_query(sa.text(query), conn)
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        raise MiningError(f"The database query failed: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
