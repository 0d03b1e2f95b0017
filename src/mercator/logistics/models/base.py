"""What the logistics tables share: number formats and document prefixes."""

AMOUNT = {"max_digits": 20, "decimal_places": 2}
PRICE = {"max_digits": 20, "decimal_places": 4}
QTY = {"max_digits": 20, "decimal_places": 4}

INBOUND_PREFIX = "IB"
LOT_PREFIX = "LT"
RELEASE_PREFIX = "RL"
RECEIPT_PREFIX = "WR"
STOCKTAKE_PREFIX = "ST"
SHIPMENT_PREFIX = "SH"
