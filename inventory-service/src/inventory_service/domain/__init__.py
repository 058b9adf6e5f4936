"""Pure inventory rules: stock levels, version ordering, all-or-none reservations, tombstones."""
