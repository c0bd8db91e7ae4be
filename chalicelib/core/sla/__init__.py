"""The SLA clock: a business calendar, due times per category and priority, the reminder / red-zone ladder."""
