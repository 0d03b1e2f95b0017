AMOUNT = {"max_digits": 20, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 3}
