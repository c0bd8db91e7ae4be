"""Approval routes: route versions and their stages, the state machine generated per version, task
links, the route map and the analysis. Pure: no AWS, no clock reads."""
