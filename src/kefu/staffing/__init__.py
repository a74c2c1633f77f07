"""Staffing (排班与人力需求): demand, Erlang C and simulation, plans and shift rosters."""
