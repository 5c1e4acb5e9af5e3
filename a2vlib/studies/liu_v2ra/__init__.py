"""studies/liu_v2ra"""
