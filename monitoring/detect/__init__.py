"""Stage "detect": rules (plain functions over history and the new observation), their thresholds, the
statistics behind them (stats.py), complaint themes in reviews (themes.py) and the supplier trust score."""
