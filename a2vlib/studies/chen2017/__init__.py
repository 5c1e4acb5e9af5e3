"""studies/chen2017"""
