"""Rollup rows to and from the database: a RollupRow's ``values`` (metric -> packed value)
becomes a MetricNames list, stored once, and an array in its order (models.py).

No cache outlives a call: a names list is looked up once per batch, so a rolled-back
transaction (a test's, or a failed upsert) never leaves an id behind that is not in the table.
"""

import hashlib
from collections.abc import Iterable, Iterator, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Case, QuerySet, When
from django.db.models.fields.json import KeyTransform

from dashboards.history.models import MetricNames, Rollup
from dashboards.history.rollups import Packed, RollupRow


def digest(names: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(names).encode()).hexdigest()


def names_ids(lists: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], int]:
    """The MetricNames id of each sorted names tuple, created where missing."""
    wanted = {digest(names): names for names in set(lists)}
    found = dict(MetricNames.objects.filter(digest__in=wanted).values_list("digest", "id"))
    for key, names in wanted.items():
        if key not in found:
            try:
                with transaction.atomic():  # another writer may create the same list first
                    found[key] = MetricNames.objects.create(digest=key, names=list(names)).id
            except IntegrityError:
                found[key] = MetricNames.objects.get(digest=key).id
    return {names: found[key] for key, names in wanted.items()}


def encoded(tier: str, rows: Sequence[tuple[str, RollupRow]]) -> list[Rollup]:
    """Unsaved Rollup objects for (host, row) pairs."""
    order = [tuple(sorted(row.values)) for _, row in rows]
    ids = names_ids(order)
    objects = []
    for (host, row), names in zip(rows, order, strict=True):
        values = [row.values[name] for name in names]
        objects.append(
            Rollup(
                host=host,
                tier=tier,
                start=row.start,
                count=row.count,
                names_id=ids[names],
                values=values,
            )
        )
    return objects


def decoded(found: QuerySet[Rollup]) -> Iterator[tuple[str, RollupRow]]:
    """(host, RollupRow) of each row of ``found``, in its order."""
    fetched = list(found.values_list("host", "start", "count", "names_id", "values"))
    names = dict(
        MetricNames.objects.filter(id__in={row[3] for row in fetched}).values_list("id", "names")
    )
    for host, start, count, names_id, values in fetched:
        pairs = zip(names[names_id], values, strict=True)
        yield host, RollupRow(start, count, {n: v for n, v in pairs if v is not None})


def metric_values(found: QuerySet[Rollup], metric: str) -> Iterator[tuple[int, int, Packed]]:
    """(start, count, packed value) of ``metric`` in the rows of ``found`` that have it, in one
    query: the database reads the one array element out of each row (at the metric's place in
    the row's names list), not the whole row."""
    places = {
        names_id: names.index(metric)
        for names_id, names in MetricNames.objects.values_list("id", "names")
        if metric in names
    }
    if not places:
        return iter(())
    # A digit key is an array index, on SQLite and PostgreSQL alike.
    element = Case(
        *(When(names_id=names_id, then=KeyTransform(str(place), "values"))
          for names_id, place in places.items()),
        default=None,
    )  # fmt: skip
    rows = (
        found.filter(names_id__in=places)
        .annotate(value=element)
        .values_list("start", "count", "value")
    )
    return ((start, count, value) for start, count, value in rows if value is not None)
