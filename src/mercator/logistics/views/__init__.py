"""Logistics pages, one module per area: warehouses (staff and operators), stock (a
depositor's goods and lots), releases (releases and receipts), transport (lanes, quotes
by mode, shipments), flows (the three-flow P&L)."""
