"""Contract follow-up: what the winner promised against what is delivered (lcc-method.md §10).

Pure calculations, no storage and no transport (the records layer stores commitments and
readings and calls these). Every quantity is a float in the canonical unit of its resource (the
caller converts with :mod:`tco.units`, so one unit grammar guards input everywhere). In the
order a follow-up report uses them:

- :mod:`tco.followup.readings`: readings of one meter → the observed total of a settlement
  period, pro rata by time, corrections superseding, with the period's data coverage and gaps;
- :mod:`tco.followup.degree_days`: heating and cooling degree days from daily mean temperatures;
- :mod:`tco.followup.baseline`: a regression baseline energy ~ degree days judged by ASHRAE
  Guideline 14 (CV(RMSE), NMBE);
- :mod:`tco.followup.adjust`: the promise adjusted to the period's actual conditions (activity,
  degree days, or the regression baseline), IPMVP's routine adjustment;
- :mod:`tco.followup.settlement`: the deviation in units, %, money and CO2e and the contract
  clause's outcome (within band, shortfall, bonus, sanction).
"""
