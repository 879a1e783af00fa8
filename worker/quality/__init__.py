"""Team quality and fair data: agreement, consensus, gold and consensus error rates, model vs
human agreement, dataset balance and disaggregated error.

  extract      Label Studio results -> comparable units, per result type
  pairs        agreement of two answers to one control (IoU matching, mir_eval, ...)
  metrics      kappa, alpha and Wilson intervals (scikit-learn, krippendorff)
  consensus    majority / accuracy-weighted vote, region fusion, consensus result lists
  agreement    the pass over a project: per task, pair, control; outcomes vs gold and consensus
  balance      balance report and disaggregated error tables
  data         bulk reading of a project (raw cursor, no ORM objects)
  report       the report dict the API, dashboard and CLI show
  review       cached task agreement and the "send to review below the threshold" rule
  charts       matplotlib figures (Agg, SVG)
  render       Markdown / HTML report
"""
