"""Requests: models, tickets, classification, assignment, status, the inbound analysis, the form."""
