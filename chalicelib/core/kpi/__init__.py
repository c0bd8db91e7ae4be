"""KPIs from the event log (pure): each event's contributions to daily aggregates, and the figures a
digest or the board computes from those aggregates. The definitions are in docs/KPI.md."""
