"""studies/wan2019"""
