"""views/pages"""
