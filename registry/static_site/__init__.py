"""static_site"""
